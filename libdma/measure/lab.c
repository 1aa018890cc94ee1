// SPDX-License-Identifier: MIT
/*
 * The contiguity lab (API 1.3; include/libdma/lab.h): which cells to
 * measure, one call of the backend's "lab" operation per cell
 * (libdma__lab_cell(); the kernel backend: EDUDMA_IOC_LAB), and the checks
 * that do not depend on timing - a read pass through the vmap must see the
 * very bytes a pass through the linear map sees, and both the bytes the
 * driver wrote.
 *
 * A cell an allocator cannot give in one piece (E2BIG), memory the machine
 * does not have (ENOMEM) and pages the device cannot reach (ERANGE) are
 * facts about the machine, recorded in the cell; the run goes on. Errors
 * that make every further cell pointless (EPERM: the lab is off, no
 * device, no lab in this backend) end the run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lab_internal.h"

static const char *const experiment_names[LIBDMA_LAB_NR_EXPERIMENTS] = {
	[LIBDMA_LAB_ALLOC] = "alloc",
	[LIBDMA_LAB_ACCESS] = "access",
	[LIBDMA_LAB_SEGMENTS] = "segments",
};
static const char *const allocator_names[LIBDMA_LAB_NR_ALLOCATORS] = {
	[LIBDMA_LAB_KMALLOC] = "kmalloc",
	[LIBDMA_LAB_ALLOC_PAGES] = "alloc_pages",
	[LIBDMA_LAB_DMA_COHERENT] = "dma_coherent",
	[LIBDMA_LAB_VMALLOC] = "vmalloc",
};
static const char *const pattern_names[LIBDMA_LAB_NR_PATTERNS] = {
	[LIBDMA_LAB_SEQ_READ] = "seq-read",
	[LIBDMA_LAB_SEQ_WRITE] = "seq-write",
	[LIBDMA_LAB_RANDOM_READ] = "random-read",
};
static const char *const mapping_names[LIBDMA_LAB_NR_MAPPINGS] = {
	[LIBDMA_LAB_LINEAR_MAP] = "linear",
	[LIBDMA_LAB_VMAP] = "vmap",
};

static const char *const *names_of(unsigned int kind, unsigned int *n)
{
	switch (kind) {
	case LIBDMA_LAB_NAME_EXPERIMENT:
		*n = LIBDMA_LAB_NR_EXPERIMENTS;
		return experiment_names;
	case LIBDMA_LAB_NAME_ALLOCATOR:
		*n = LIBDMA_LAB_NR_ALLOCATORS;
		return allocator_names;
	case LIBDMA_LAB_NAME_PATTERN:
		*n = LIBDMA_LAB_NR_PATTERNS;
		return pattern_names;
	case LIBDMA_LAB_NAME_MAPPING:
		*n = LIBDMA_LAB_NR_MAPPINGS;
		return mapping_names;
	default:
		*n = 0;
		return NULL;
	}
}

LIBDMA_EXPORT const char *libdma_lab_name(unsigned int kind, unsigned int value)
{
	unsigned int n;
	const char *const *names = names_of(kind, &n);

	return names && value < n ? names[value] : NULL;
}

LIBDMA_EXPORT int libdma_lab_parse(unsigned int kind, const char *name)
{
	unsigned int n, i;
	const char *const *names = names_of(kind, &n);

	for (i = 0; names && name && i < n; i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -EINVAL;
}

LIBDMA_EXPORT void libdma_lab_config_init(struct libdma_lab_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->iterations = LIBDMA_LAB_DEFAULT_ITERATIONS;
}

const struct libdma_lab_cell *
libdma__lab_find_ok(const struct libdma_lab_result *r, unsigned int experiment,
		    unsigned int what, unsigned int mapping, uint64_t size)
{
	uint32_t i;

	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_lab_cell *c = &r->cells[i];

		if (c->experiment != experiment || c->size != size ||
		    c->status != LIBDMA_LAB_OK)
			continue;
		if (experiment == LIBDMA_LAB_ACCESS ?
		    c->pattern == what && c->mapping == mapping :
		    c->allocator == what)
			return c;
	}
	return NULL;
}

/* Mark a cell MISMATCH, saying why (its figures stay, for the record). */
static void mismatch(struct libdma_lab_result *r, struct libdma_lab_cell *c,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void mismatch(struct libdma_lab_result *r, struct libdma_lab_cell *c,
		     const char *fmt, ...)
{
	va_list ap;

	if (c->status != LIBDMA_LAB_OK)
		return;
	c->status = LIBDMA_LAB_MISMATCH;
	va_start(ap, fmt);
	vsnprintf(c->note, sizeof(c->note), fmt, ap);
	va_end(ap);
	r->nr_failed++;
}

/*
 * The facts that do not depend on timing: each read cell saw what the
 * driver wrote, and the two mappings of a size and pattern saw the same.
 */
static void verify_access(struct libdma_lab_result *r)
{
	uint32_t i, j;

	for (i = 0; i < r->nr_cells; i++) {
		struct libdma_lab_cell *c = &r->cells[i];
		uint64_t expect;

		if (c->experiment != LIBDMA_LAB_ACCESS || c->status != LIBDMA_LAB_OK ||
		    c->pattern == LIBDMA_LAB_SEQ_WRITE)
			continue;
		expect = libdma__lab_expected_checksum(c->pattern, c->pages);
		if (c->checksum != expect)
			mismatch(r, c, "read checksum 0x%016llx, the driver wrote "
				 "words summing to 0x%016llx",
				 (unsigned long long)c->checksum,
				 (unsigned long long)expect);
	}
	for (i = 0; i < r->nr_cells; i++) {
		struct libdma_lab_cell *a = &r->cells[i];

		if (a->experiment != LIBDMA_LAB_ACCESS ||
		    a->mapping != LIBDMA_LAB_LINEAR_MAP ||
		    a->pattern == LIBDMA_LAB_SEQ_WRITE ||
		    (a->status != LIBDMA_LAB_OK && a->status != LIBDMA_LAB_MISMATCH))
			continue;
		for (j = 0; j < r->nr_cells; j++) {
			struct libdma_lab_cell *b = &r->cells[j];

			if (b->experiment != LIBDMA_LAB_ACCESS ||
			    b->mapping != LIBDMA_LAB_VMAP || b->size != a->size ||
			    b->pattern != a->pattern ||
			    (b->status != LIBDMA_LAB_OK &&
			     b->status != LIBDMA_LAB_MISMATCH))
				continue;
			if (a->checksum == b->checksum && a->pages == b->pages)
				continue;
			mismatch(r, a, "the linear map read checksum 0x%016llx, "
				 "the vmap of the same pages 0x%016llx",
				 (unsigned long long)a->checksum,
				 (unsigned long long)b->checksum);
			mismatch(r, b, "the vmap read checksum 0x%016llx, the "
				 "linear map of the same pages 0x%016llx",
				 (unsigned long long)b->checksum,
				 (unsigned long long)a->checksum);
		}
	}
}

/* ---------------------------------------------------------------- cells */

/* The largest power of two <= a quarter of MemAvailable; 0 if unknown. */
static uint64_t memory_quarter(void)
{
	char line[256];
	unsigned long long kb = 0;
	uint64_t q, p = 1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	q = (uint64_t)kb * 1024 / 4;
	if (!q)
		return 0;
	while (p <= q / 2)
		p *= 2;
	return p;
}

struct cell_list {
	struct libdma_lab_cell *cells;
	uint32_t n, max;
};

static int add_cell(struct cell_list *l, unsigned int experiment,
		    unsigned int what, unsigned int mapping, uint64_t size)
{
	struct libdma_lab_cell *c;

	if (l->n == l->max) {
		uint32_t max = l->max ? 2 * l->max : 64;
		struct libdma_lab_cell *cells = realloc(l->cells, max * sizeof(*cells));

		if (!cells)
			return libdma__fail(-ENOMEM, "lab: out of memory");
		l->cells = cells;
		l->max = max;
	}
	c = &l->cells[l->n++];
	memset(c, 0, sizeof(*c));
	c->experiment = experiment;
	c->size = size;
	if (experiment == LIBDMA_LAB_ACCESS) {
		c->pattern = what;
		c->mapping = mapping;
	} else {
		c->allocator = what;
	}
	return 0;
}

/* Powers of two from lo to hi into sizes[]; the new count. */
static unsigned int pow2_sizes(uint64_t lo, uint64_t hi, uint64_t *sizes,
			       unsigned int n)
{
	uint64_t s;

	for (s = lo; s <= hi && n < LIBDMA_LAB_MAX_SIZES; s *= 2)
		sizes[n++] = s;
	return n;
}

/* Every cell of one experiment, in table order: size by size. */
static int add_experiment(struct cell_list *l, const struct libdma_lab_config *cfg,
			  unsigned int e, uint32_t allocators, uint32_t patterns)
{
	uint64_t sizes[LIBDMA_LAB_MAX_SIZES];
	uint64_t all_up_to = UINT64_MAX;	/* default sweeps: beyond it vmalloc only */
	unsigned int n = 0, i, w, m;
	int err;

	if (cfg->sizes) {
		n = cfg->nr_sizes;
		memcpy(sizes, cfg->sizes, n * sizeof(sizes[0]));
	} else if (e == LIBDMA_LAB_ALLOC) {
		n = pow2_sizes(4096, 64ull << 20, sizes, 0);
		all_up_to = 4ull << 20;
	} else if (e == LIBDMA_LAB_ACCESS) {
		uint64_t max = cfg->max_access, quarter;

		if (!max) {
			max = LIBDMA_LAB_DEFAULT_MAX_ACCESS;
			quarter = memory_quarter();
			if (quarter && quarter < max)
				max = quarter;
		}
		n = pow2_sizes(64 * 1024, max < 64 * 1024 ? 64 * 1024 : max, sizes, 0);
	} else {
		static const uint64_t seg_sizes[] = {
			64 * 1024, 1 << 20, 4 << 20, 16 << 20,
		};

		n = 4;
		memcpy(sizes, seg_sizes, sizeof(seg_sizes));
		all_up_to = 4ull << 20;
	}

	for (i = 0; i < n; i++) {
		if (e == LIBDMA_LAB_ACCESS) {
			for (w = 0; w < LIBDMA_LAB_NR_PATTERNS; w++) {
				if (!(patterns & (1U << w)))
					continue;
				for (m = 0; m < LIBDMA_LAB_NR_MAPPINGS; m++) {
					err = add_cell(l, e, w, m, sizes[i]);
					if (err)
						return err;
				}
			}
			continue;
		}
		for (w = 0; w < LIBDMA_LAB_NR_ALLOCATORS; w++) {
			if (!(allocators & (1U << w)))
				continue;
			if (sizes[i] > all_up_to && w != LIBDMA_LAB_VMALLOC)
				continue;
			err = add_cell(l, e, w, 0, sizes[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

static int check_config(const struct libdma_lab_config *cfg)
{
	unsigned int i;

	if (cfg->experiments & ~((1U << LIBDMA_LAB_NR_EXPERIMENTS) - 1))
		return libdma__fail(-EINVAL, "lab: unknown experiment bits 0x%x",
				    cfg->experiments);
	if (cfg->allocators & ~((1U << LIBDMA_LAB_NR_ALLOCATORS) - 1))
		return libdma__fail(-EINVAL, "lab: unknown allocator bits 0x%x",
				    cfg->allocators);
	if (cfg->patterns & ~((1U << LIBDMA_LAB_NR_PATTERNS) - 1))
		return libdma__fail(-EINVAL, "lab: unknown pattern bits 0x%x",
				    cfg->patterns);
	if (cfg->iterations < 1 || cfg->iterations > LIBDMA_LAB_MAX_ITERATIONS)
		return libdma__fail(-EINVAL, "lab: %u iterations: give 1 to %u",
				    cfg->iterations, LIBDMA_LAB_MAX_ITERATIONS);
	if (cfg->flags)
		return libdma__fail(-EINVAL, "lab: unknown flags 0x%x", cfg->flags);
	for (i = 0; i < 4; i++)
		if (cfg->reserved[i])
			return libdma__fail(-EINVAL, "lab: reserved fields of the "
					    "config must be 0 (start from "
					    "libdma_lab_config_init())");
	return libdma__check_sizes("lab", cfg->sizes, cfg->nr_sizes,
				   LIBDMA_LAB_MAX_SIZES, 1ull << 40, "measure");
}

/* Errors after which no further cell can be measured. */
static int fatal(int err)
{
	return err == -EPERM || err == -EOPNOTSUPP || err == -ENODEV ||
	       err == -EINTR || err == -EBADF || err == -ENOTTY;
}

/* Record why a cell has no figures. */
static void cell_error(struct libdma_lab_result *r, struct libdma_lab_cell *c,
		       int err)
{
	const char *who = c->experiment == LIBDMA_LAB_ACCESS ? "the access experiment" :
			  allocator_names[c->allocator];
	char b[32];

	c->error = err;
	c->ns_min = c->ns_median = c->ns_max = c->checksum = 0;
	c->pages = c->cpu_segments = c->dma_segments = 0;
	switch (-err) {
	case E2BIG:
		c->status = LIBDMA_LAB_UNAVAILABLE;
		if (c->experiment == LIBDMA_LAB_ACCESS)
			snprintf(c->note, sizeof(c->note), "the access experiment "
				 "measures 4 KiB to 1 GiB");
		else
			snprintf(c->note, sizeof(c->note), "%s does not give %s "
				 "in one piece", who,
				 libdma__fmt_size(c->size, b));
		break;
	case ENOMEM:
		c->status = LIBDMA_LAB_UNAVAILABLE;
		snprintf(c->note, sizeof(c->note), "not enough free memory for "
			 "%s of %s", libdma__fmt_size(c->size, b),
			 c->experiment == LIBDMA_LAB_ACCESS ? "pages" : who);
		break;
	case ERANGE:
		c->status = LIBDMA_LAB_UNREACHABLE;
		snprintf(c->note, sizeof(c->note), "%s", libdma_errmsg());
		break;
	default:
		c->status = LIBDMA_LAB_FAILED;
		snprintf(c->note, sizeof(c->note), "%s", libdma_errmsg());
		r->nr_failed++;
		break;
	}
}

static void report(const struct libdma_lab_config *cfg,
		   const struct libdma_lab_result *r, uint32_t i, int done)
{
	struct libdma_lab_progress p;

	if (!cfg->progress)
		return;
	memset(&p, 0, sizeof(p));
	p.index = i;
	p.nr_cells = r->nr_cells;
	p.cell = &r->cells[i];
	p.done = done;
	cfg->progress(&p, cfg->progress_arg);
}

static int lab_run(struct libdma_device *dev,
		   const struct libdma_lab_config *user_cfg,
		   struct libdma_lab_result **resultp)
{
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r;
	struct cell_list l = { NULL, 0, 0 };
	uint32_t experiments, allocators, patterns, i;
	unsigned int e;
	int err;

	if (resultp)
		*resultp = NULL;
	err = libdma__run_check("lab", dev, resultp != NULL);
	if (err)
		return err;
	if (user_cfg)
		cfg = *user_cfg;
	else
		libdma_lab_config_init(&cfg);
	err = check_config(&cfg);
	if (err)
		return err;
	err = libdma__lab_cell(dev, 0, NULL);	/* has the backend a lab? */
	if (err)
		return err;
	experiments = cfg.experiments ? cfg.experiments :
		      (1U << LIBDMA_LAB_NR_EXPERIMENTS) - 1;
	allocators = cfg.allocators ? cfg.allocators :
		     (1U << LIBDMA_LAB_NR_ALLOCATORS) - 1;
	patterns = cfg.patterns ? cfg.patterns :
		   (1U << LIBDMA_LAB_NR_PATTERNS) - 1;

	for (e = 0; e < LIBDMA_LAB_NR_EXPERIMENTS; e++) {
		if (!(experiments & (1U << e)))
			continue;
		err = add_experiment(&l, &cfg, e, allocators, patterns);
		if (err) {
			free(l.cells);
			return err;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		free(l.cells);
		return libdma__fail(-ENOMEM, "lab: out of memory");
	}
	r->cells = l.cells;
	r->nr_cells = l.n;
	r->iterations = cfg.iterations;
	libdma__env_get(dev, cfg.label, &r->env);

	for (i = 0; i < r->nr_cells; i++) {
		struct libdma_lab_cell *c = &r->cells[i];

		report(&cfg, r, i, 0);
		c->iterations = c->experiment == LIBDMA_LAB_SEGMENTS ? 1 :
				cfg.iterations;
		err = libdma__lab_cell(dev, cfg.iterations, c);
		if (err && fatal(err))
			goto err_free;
		if (err)
			cell_error(r, c, err);
		else
			c->status = LIBDMA_LAB_OK;
		report(&cfg, r, i, 1);
	}
	verify_access(r);
	*resultp = r;
	return (int)r->nr_failed;

err_free:
	libdma_lab_result_free(r);
	return err;
}

LIBDMA_EXPORT int libdma_lab_run(struct libdma_device *dev,
				 const struct libdma_lab_config *cfg,
				 struct libdma_lab_result **resultp)
{
	return LIBDMA_KEEP_ERRNO(lab_run(dev, cfg, resultp));
}

LIBDMA_EXPORT void libdma_lab_result_free(struct libdma_lab_result *result)
{
	if (!result)
		return;
	free(result->cells);
	free(result);
}
