// SPDX-License-Identifier: MIT
/*
 * The throughput benchmark (API 1.2): the same bytes copied source ->
 * device -> destination with memory obtained five ways, or six with a
 * VFIO device (include/libdma/bench.h), every byte checked, every figure
 * defined.
 *
 * Built on the library's public calls (alloc, register, copy, info; of the
 * core's internals only what measure_internal.h names), so it measures
 * what any libdma user gets. The order of one repetition:
 *
 *   fill the user areas (untimed: the data is the application's own)
 *   setup      alloc / register                       -> setup_ns
 *   fill coherent buffers (untimed)
 *   transfer   [memcpy in] libdma_copy [memcpy out]   -> transfer_ns
 *   check every destination byte (untimed)
 *   teardown   free / unregister                      -> teardown_ns
 *
 * The user areas of a cell (bench_areas.c) are allocated and written
 * once, before its first repetition, and kept for all of them: every
 * repetition moves the same pages, so the repetitions measure one
 * situation, and setup never includes the page faults that first touch
 * new memory (registering memory nobody has written yet would mostly time
 * the allocation of its pages).
 *
 * The device's time per command (env.cmd_ns) is measured first, from a
 * few one-window copies on edu, one-descriptor (4 KiB) copies on edu-sg,
 * not assumed. Efficiency compares each transfer with what its commands
 * cost the device in that same transfer.
 *
 * With queue depths (API 1.4) the stream cells follow the single-transfer
 * ones: bench_stream.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_internal.h"

#define CALIBRATION_COPIES	5
/* The largest size to copy: two areas of it must fit the address space. */
#define MAX_SIZE	((uint64_t)SIZE_MAX / 4 < (1ull << 40) ? \
			 (uint64_t)SIZE_MAX / 4 : 1ull << 40)

static const char *const mode_names[LIBDMA_BENCH_NR_MODES] = {
	[LIBDMA_BENCH_COHERENT] = "coherent",
	[LIBDMA_BENCH_SG] = "sg",
	[LIBDMA_BENCH_SG_ONESHOT] = "sg-oneshot",
	[LIBDMA_BENCH_SG_HUGEPAGE] = "sg-hugepage",
	[LIBDMA_BENCH_BOUNCE] = "bounce",
	[LIBDMA_BENCH_VFIO] = "vfio",
};

LIBDMA_EXPORT const char *libdma_bench_mode_name(unsigned int mode)
{
	return mode < LIBDMA_BENCH_NR_MODES ? mode_names[mode] : NULL;
}

LIBDMA_EXPORT int libdma_bench_mode_parse(const char *name)
{
	unsigned int m;

	for (m = 0; name && m < LIBDMA_BENCH_NR_MODES; m++)
		if (!strcmp(name, mode_names[m]))
			return (int)m;
	return -EINVAL;
}

LIBDMA_EXPORT void libdma_bench_config_init(struct libdma_bench_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->modes = 0;		/* the default set: depends on the devices */
	cfg->repetitions = LIBDMA_BENCH_DEFAULT_REPETITIONS;
}

uint64_t libdma__bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define now_ns libdma__bench_now_ns

/* ------------------------------------------------------------ statistics */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void libdma__bench_stat(double *v, size_t n, struct libdma_bench_stat *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	out->min = v[0];
	out->max = v[n - 1];
	out->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t libdma__bench_min_commands(uint64_t size, const struct libdma_info *info)
{
	uint64_t len;

	if (info->engine == LIBDMA_ENGINE_EDUSG) {
		/* memory to memory: one descriptor per max_cmd_length */
		len = info->max_cmd_length;
		return len ? (size + len - 1) / len : 0;
	}
	/* edu: in and out of the card, window by window */
	len = info->window_size;
	return len ? 2 * ((size + len - 1) / len) : 0;
}

/* ------------------------------------------------------------ calibration */

/* One edu-sg descriptor's worth for the calibration: a page. */
#define CALIBRATION_EDUSG_LEN	4096U

/*
 * The device's time per command: the fastest of a few copies, from a
 * coherent buffer if the driver has them, else from registered memory.
 * On edu exactly one window (two commands each: in and out of the card);
 * on edu-sg one 4 KiB descriptor (memory to memory) on an idle engine -
 * its window, the card's RAM (16 MiB), is no size to copy twice over.
 * Returns 0 or -errno.
 */
static int calibrate(struct libdma_device *dev, struct libdma_bench_env *env)
{
	size_t window = env->info.engine == LIBDMA_ENGINE_EDUSG ?
			CALIBRATION_EDUSG_LEN : env->info.window_size;
	size_t len = 2 * window;
	struct libdma_buffer *buf = NULL;
	struct libdma_region src, dst;
	void *mem = NULL;
	uint64_t best = UINT64_MAX;
	int err, i;

	if (!window)
		return libdma__fail(-EPROTO, "bench: the device reports a "
				    "window of 0 bytes");
	if (env->info.features & LIBDMA_FEAT_COHERENT) {
		err = libdma_buffer_alloc(dev, len, &buf);
	} else {
		mem = malloc(len);
		if (!mem)
			return libdma__fail(-ENOMEM, "bench: out of memory");
		memset(mem, 0, len);
		err = libdma_buffer_register(dev, mem, len, LIBDMA_ACCESS_RW,
					     &buf, NULL);
	}
	if (err)
		goto out;
	libdma__pattern_fill(libdma_buffer_ptr(buf), window, 0xca1b);
	src = libdma_region_buffer(buf, 0, window);
	dst = libdma_region_buffer(buf, window, window);
	for (i = 0; i < CALIBRATION_COPIES; i++) {
		struct libdma_stats st;
		size_t nbad;

		err = libdma_copy(dev, &dst, &src, &st);
		if (err)
			break;
		if (!st.commands || libdma__pattern_check((char *)libdma_buffer_ptr(buf) +
							window, window, 0xca1b,
							&nbad) != (size_t)-1) {
			err = libdma__fail(-EIO, "bench: the calibration copy of "
					   "%zu bytes on %s did not arrive intact: "
					   "the device does not move data", window,
					   env->info.node);
			break;
		}
		if (st.device_ns / st.commands < best)
			best = st.device_ns / st.commands;
	}
	if (!err) {
		env->cmd_ns = best;
		env->calibration_copies = CALIBRATION_COPIES;
	}
out:
	if (buf && mem)
		libdma_buffer_unregister(buf);
	else if (buf)
		libdma_buffer_free(buf);
	free(mem);
	return err;
}

/* ---------------------------------------------------------------- cells */

/* Figures gathered per repetition, summarised into the cell. */
enum {
	FIG_COMMANDS,
	FIG_SETUP,
	FIG_TEARDOWN,
	FIG_TRANSFER,
	FIG_DEVICE,
	FIG_HOST,
	FIG_PIN,
	FIG_CPU_COPY,
	FIG_THROUGHPUT,
	FIG_EFFICIENCY,
	NR_FIGS,
};

struct cell_run {
	struct libdma_device *dev;	/* the cell's device: the VFIO one for vfio */
	struct libdma_device *vfio;	/* the VFIO device, NULL if none */
	const struct libdma_bench_env *env;
	struct libdma_bench_cell *cell;
	uint32_t flags;
	size_t size;
	/* The user areas (sg, sg-oneshot, sg-hugepage, bounce, vfio). */
	struct libdma__bench_areas areas;
	double *fig[NR_FIGS];		/* [repetition] */
	uint64_t commands;		/* so far, for progress */
};

int libdma__bench_cell_fail(struct libdma_bench_cell *cell, int err,
			    const char *step)
{
	cell->status = LIBDMA_BENCH_FAILED;
	cell->error = err;
	snprintf(cell->note, sizeof(cell->note), "%s: %s", step,
		 libdma_errmsg());
	return err;
}

/* Note a failed call in the cell: status, errno, libdma's message. */
static int cell_fail(struct cell_run *c, int err, const char *step)
{
	return libdma__bench_cell_fail(c->cell, err, step);
}

int libdma__bench_mode_available(const struct libdma_bench_env *env,
				 int have_vfio, unsigned int mode, uint64_t size,
				 struct libdma_bench_cell *cell)
{
	const struct libdma_info *info = &env->info;
	char b1[32];

	if ((mode == LIBDMA_BENCH_COHERENT || mode == LIBDMA_BENCH_BOUNCE) &&
	    !(info->features & LIBDMA_FEAT_COHERENT)) {
		libdma__bench_unavailable(cell, "the driver has no coherent buffers "
				 "(feature \"coherent\")");
		return 0;
	}
	if ((mode == LIBDMA_BENCH_COHERENT || mode == LIBDMA_BENCH_BOUNCE) &&
	    size > info->max_alloc) {
		libdma__bench_unavailable(cell, "coherent buffers are at most %s on %s",
				 libdma__fmt_size(info->max_alloc, b1),
				 info->node);
		return 0;
	}
	if ((mode == LIBDMA_BENCH_SG || mode == LIBDMA_BENCH_SG_HUGEPAGE) &&
	    !(info->features & LIBDMA_FEAT_PIN)) {
		libdma__bench_unavailable(cell, "the driver cannot register user "
				 "memory (feature \"pin\")");
		return 0;
	}
	if (mode == LIBDMA_BENCH_VFIO && !have_vfio) {
		libdma__bench_unavailable(cell, "no VFIO device: bind an edu to "
				 "vfio-pci ('dmactl bind vfio <address>') and "
				 "give it (dmactl bench --vfio vfio:<address>)");
		return 0;
	}
	if (mode == LIBDMA_BENCH_SG_ONESHOT &&
	    !(info->features & LIBDMA_FEAT_USER_REGION)) {
		libdma__bench_unavailable(cell, "the driver cannot pin memory for one "
				 "call (feature \"user-region\")");
		return 0;
	}
	return 1;
}

/* Is the driver able to run 'mode' at this size? If not, note why. */
static int mode_available(struct cell_run *c, unsigned int mode)
{
	return libdma__bench_mode_available(c->env, c->vfio != NULL, mode,
					    c->size, c->cell);
}

int libdma__bench_fatal(int err)
{
	return err == -EINTR || err == -ENODEV || err == -EIO ||
	       err == -ETIMEDOUT || err == -EBADF;
}

/*
 * One repetition. 0, 1 (the data did not verify: noted, cell done) or
 * -errno (noted).
 */
static int repetition(struct cell_run *c, unsigned int mode, unsigned int rep)
{
	struct libdma_bench_cell *cell = c->cell;
	struct libdma_buffer *bsrc = NULL, *bdst = NULL;
	struct libdma_pin_stats ps[2];
	struct libdma_region rsrc, rdst;
	struct libdma_stats st;
	uint64_t seed, t0, t1, t2, t3, t4, t5, tc = 0, pin = 0, expect_pages;
	unsigned char *visible = NULL;	/* where the destination's bytes show */
	size_t size = c->size, first, nbad;
	int err = 0, is_coherent = mode == LIBDMA_BENCH_COHERENT ||
				   mode == LIBDMA_BENCH_BOUNCE;
	const char *step = "setup";

	memset(ps, 0, sizeof(ps));
	memset(&st, 0, sizeof(st));
	seed = ((uint64_t)mode << 56) ^ ((uint64_t)size << 8) ^ rep ^
	       0x5eed000000000000ull;
	if (c->areas.src) {
		libdma__pattern_fill(c->areas.src, size, seed);
		libdma__pattern_fill(c->areas.dst, size, ~seed);
	}

	t0 = now_ns();
	if (is_coherent) {
		err = libdma_buffer_alloc(c->dev, size, &bsrc);
		if (!err)
			err = libdma_buffer_alloc(c->dev, size, &bdst);
	} else if (mode != LIBDMA_BENCH_SG_ONESHOT) {
		err = libdma_buffer_register(c->dev, c->areas.src, size,
					     LIBDMA_ACCESS_DEV_READ, &bsrc, &ps[0]);
		if (!err)
			err = libdma_buffer_register(c->dev, c->areas.dst, size,
						     LIBDMA_ACCESS_DEV_WRITE,
						     &bdst, &ps[1]);
		pin = ps[0].pin_ns + ps[0].map_ns + ps[1].pin_ns + ps[1].map_ns;
	}
	t1 = now_ns();
	if (err)
		goto out;

	if (mode == LIBDMA_BENCH_COHERENT) {
		libdma__pattern_fill(libdma_buffer_ptr(bsrc), size, seed);
		visible = libdma_buffer_ptr(bdst);
	} else {
		visible = c->areas.dst;
	}
	/* A copy that never happens leaves this, which never verifies. */
	if (is_coherent)
		libdma__pattern_fill(libdma_buffer_ptr(bdst), size, ~seed);
	if (mode == LIBDMA_BENCH_SG_ONESHOT) {
		rsrc = libdma_region_user(c->areas.src, size);
		rdst = libdma_region_user(c->areas.dst, size);
	} else {
		rsrc = libdma_region_buffer(bsrc, 0, size);
		rdst = libdma_region_buffer(bdst, 0, size);
	}

	step = "transfer";
	t2 = now_ns();
	if (mode == LIBDMA_BENCH_BOUNCE) {
		uint64_t a = now_ns(), b;

		memcpy(libdma_buffer_ptr(bsrc), c->areas.src, size);
		b = now_ns();
		tc = b - a;
		err = libdma_copy(c->dev, &rdst, &rsrc, &st);
		if (!err) {
			a = now_ns();
			memcpy(c->areas.dst, libdma_buffer_ptr(bdst), size);
			tc += now_ns() - a;
		}
	} else {
		err = libdma_copy(c->dev, &rdst, &rsrc, &st);
	}
	t3 = now_ns();
	c->commands += st.commands;
	if (err)
		goto out;
	if (st.bytes != size) {
		err = libdma__fail(-EIO, "bench: libdma_copy reported %llu of "
				   "%zu bytes moved", (unsigned long long)st.bytes,
				   size);
		goto out;
	}

	/* The test hook: a wrong byte must fail the cell, never be reported. */
	if (c->flags & LIBDMA_BENCH_CORRUPT)
		visible[size / 2] ^= 0x40;
	first = libdma__pattern_check(visible, size, seed, &nbad);
	if (first != (size_t)-1) {
		cell->status = LIBDMA_BENCH_MISMATCH;
		snprintf(cell->note, sizeof(cell->note),
			 "repetition %u: %zu of %zu destination bytes wrong, "
			 "the first at %zu (0x%02x, expected 0x%02x)%s",
			 rep + 1, nbad, size, first, visible[first],
			 libdma__pattern_at(first, seed),
			 c->flags & LIBDMA_BENCH_CORRUPT ?
			 "; corrupted on purpose (test hook)" : "");
		err = 1;
		goto out;
	}

	step = "teardown";
	t4 = now_ns();
	if (is_coherent) {
		err = libdma_buffer_free(bdst);
		if (libdma_buffer_free(bsrc) && !err)
			err = -EIO;
	} else if (bsrc) {
		err = libdma_buffer_unregister(bdst);
		if (libdma_buffer_unregister(bsrc) && !err)
			err = -EIO;
	}
	t5 = now_ns();
	bsrc = bdst = NULL;
	if (err)
		goto out;

	/* sg-oneshot sets nothing up: its pinning is part of the transfer. */
	if (mode != LIBDMA_BENCH_SG_ONESHOT) {
		c->fig[FIG_SETUP][rep] = (double)(t1 - t0);
		c->fig[FIG_TEARDOWN][rep] = (double)(t5 - t4);
	}
	c->fig[FIG_TRANSFER][rep] = (double)(t3 - t2);
	c->fig[FIG_DEVICE][rep] = (double)st.device_ns;
	c->fig[FIG_HOST][rep] = t3 - t2 > st.device_ns ?
				(double)(t3 - t2 - st.device_ns) : 0;
	c->fig[FIG_PIN][rep] = (double)(mode == LIBDMA_BENCH_SG_ONESHOT ?
					 st.setup_ns : pin);
	c->fig[FIG_CPU_COPY][rep] = (double)tc;
	c->fig[FIG_COMMANDS][rep] = (double)st.commands;
	c->fig[FIG_THROUGHPUT][rep] = t3 > t2 ? size * 1e9 / (double)(t3 - t2) : 0;
	/* bytes / (commands x (device_ns / commands)) over the throughput */
	c->fig[FIG_EFFICIENCY][rep] = t3 > t2 ?
		(double)st.device_ns / (double)(t3 - t2) : 0;

	expect_pages = (size + c->env->page_size - 1) / c->env->page_size;
	if (is_coherent) {
		cell->pages = 2 * expect_pages;
		cell->cpu_segments = 2;
	} else if (mode == LIBDMA_BENCH_SG_ONESHOT) {
		cell->pages = st.pages;
		cell->cpu_segments = 0;		/* not reported for one-shot regions */
	} else {
		cell->pages = (uint64_t)ps[0].pages + ps[1].pages;
		cell->cpu_segments = (uint64_t)ps[0].cpu_segments + ps[1].cpu_segments;
	}
	cell->dma_segments = st.dma_segments;
	return 0;

out:
	if (err < 0)
		cell_fail(c, err, step);
	if (is_coherent) {
		if (bdst)
			libdma_buffer_free(bdst);
		if (bsrc)
			libdma_buffer_free(bsrc);
	} else {
		if (bdst)
			libdma_buffer_unregister(bdst);
		if (bsrc)
			libdma_buffer_unregister(bsrc);
	}
	return err;
}

static void report(const struct libdma_bench_config *cfg,
		   const struct libdma_bench_result *r, unsigned int index,
		   unsigned int rep, const struct libdma_bench_cell *done,
		   uint64_t commands_done, uint64_t commands_min)
{
	struct libdma_bench_progress p;

	if (!cfg->progress)
		return;
	memset(&p, 0, sizeof(p));
	p.cell = index;
	p.nr_cells = r->nr_cells;
	p.mode = r->cells[index].mode;
	p.size = r->cells[index].size;
	p.repetition = rep;
	p.done = done;
	p.commands_done = commands_done;
	p.commands_min = commands_min;
	p.cmd_ns = r->env.cmd_ns;
	cfg->progress(&p, cfg->progress_arg);
}

/* Run one cell. 0 or a fatal -errno (the run stops). */
static int run_cell(struct libdma_device *dev, struct libdma_device *vfio,
		    const struct libdma_bench_config *cfg,
		    struct libdma_bench_result *r, unsigned int index,
		    double *figs, uint64_t *commands_done, uint64_t commands_min)
{
	struct libdma_bench_cell *cell = &r->cells[index];
	unsigned int mode = cell->mode, rep, i;
	struct libdma_bench_stat *stat[NR_FIGS];
	struct cell_run c;
	int ret = 0;

	memset(&c, 0, sizeof(c));
	c.vfio = vfio;
	/* vfio: registered malloc'd memory, as sg, through the VFIO device */
	c.dev = mode == LIBDMA_BENCH_VFIO && vfio ? vfio : dev;
	c.env = &r->env;
	c.cell = cell;
	c.flags = cfg->flags;
	c.size = (size_t)cell->size;
	for (i = 0; i < NR_FIGS; i++)
		c.fig[i] = figs + (size_t)i * r->repetitions;

	if (!mode_available(&c, mode))
		goto done;
	ret = libdma__bench_areas_get(&c.areas, mode, c.size, cell);
	if (ret) {
		if (ret < 0) {
			cell_fail(&c, ret, "memory");
			r->nr_failed++;
		}
		ret = 0;	/* noted in the cell; other cells may work */
		goto done;
	}
	for (rep = 0; rep < r->repetitions; rep++) {
		report(cfg, r, index, rep + 1, NULL, *commands_done + c.commands,
		       commands_min);
		ret = repetition(&c, mode, rep);
		if (ret)
			break;
		cell->repetitions = rep + 1;
	}
	if (ret == 0) {
		stat[FIG_COMMANDS] = &cell->commands;
		stat[FIG_SETUP] = &cell->setup_ns;
		stat[FIG_TEARDOWN] = &cell->teardown_ns;
		stat[FIG_TRANSFER] = &cell->transfer_ns;
		stat[FIG_DEVICE] = &cell->device_ns;
		stat[FIG_HOST] = &cell->host_ns;
		stat[FIG_PIN] = &cell->pin_ns;
		stat[FIG_CPU_COPY] = &cell->cpu_copy_ns;
		stat[FIG_THROUGHPUT] = &cell->throughput;
		stat[FIG_EFFICIENCY] = &cell->efficiency;
		for (i = 0; i < NR_FIGS; i++)
			libdma__bench_stat(c.fig[i], r->repetitions, stat[i]);
		cell->status = LIBDMA_BENCH_OK;
	} else {
		/* Nothing unverified or partial is reported: keep only the
		 * status, the error, the count of verified repetitions and
		 * the note (which follows the figures in the structure). */
		unsigned int status = cell->status, reps = cell->repetitions;
		int error = cell->error;

		memset(cell, 0, offsetof(struct libdma_bench_cell, note));
		cell->mode = mode;
		cell->size = c.size;
		cell->status = status;
		cell->error = error;
		cell->repetitions = reps;
		r->nr_failed++;
		ret = ret < 0 && libdma__bench_fatal(ret) ? ret : 0;
	}
done:
	libdma__bench_areas_put(&c.areas);
	*commands_done += c.commands;
	report(cfg, r, index, 0, cell, *commands_done, commands_min);
	return ret;
}

struct stream_progress {
	const struct libdma_bench_config *cfg;
	const struct libdma_bench_result *r;
	unsigned int index;
	uint64_t commands_done, commands_min;
};

static void stream_rep_start(void *arg, unsigned int rep, uint64_t commands)
{
	struct stream_progress *sp = arg;

	report(sp->cfg, sp->r, sp->index, rep, NULL,
	       sp->commands_done + commands, sp->commands_min);
}

/* Run one stream cell (bench_stream.c). 0 or a fatal -errno. */
static int run_stream(struct libdma_device *dev, struct libdma_device *vfio,
		      const struct libdma_bench_config *cfg,
		      struct libdma_bench_result *r, unsigned int index,
		      uint64_t *commands_done, uint64_t commands_min)
{
	struct libdma_bench_cell *cell = &r->cells[index];
	struct stream_progress sp = { cfg, r, index, *commands_done, commands_min };
	struct libdma__bench_stream_ctx x;
	uint64_t commands = 0;
	int ret;

	memset(&x, 0, sizeof(x));
	x.dev = dev;
	x.env = &r->env;
	x.flags = cfg->flags;
	x.repetitions = r->repetitions;
	x.have_vfio = vfio != NULL;
	x.rep_start = stream_rep_start;
	x.arg = &sp;
	ret = libdma__bench_stream_cell(&x, cell, &commands);
	if (cell->status == LIBDMA_BENCH_MISMATCH ||
	    cell->status == LIBDMA_BENCH_FAILED)
		r->nr_failed++;
	*commands_done += commands;
	report(cfg, r, index, 0, cell, *commands_done, commands_min);
	return ret;
}

static int check_config(const struct libdma_bench_config *cfg)
{
	unsigned int i;

	if (cfg->modes & ~LIBDMA_BENCH_ALL_MODES)
		return libdma__fail(-EINVAL, "bench: unknown mode bits 0x%x",
				    cfg->modes & ~LIBDMA_BENCH_ALL_MODES);
	if (cfg->repetitions < 1 || cfg->repetitions > LIBDMA_BENCH_MAX_REPETITIONS)
		return libdma__fail(-EINVAL, "bench: %u repetitions: give 1 to %u",
				    cfg->repetitions, LIBDMA_BENCH_MAX_REPETITIONS);
	if (cfg->flags & ~LIBDMA_BENCH_CORRUPT)
		return libdma__fail(-EINVAL, "bench: unknown flags 0x%x",
				    cfg->flags & ~LIBDMA_BENCH_CORRUPT);
	for (i = 0; i < LIBDMA_BENCH_MAX_DEPTHS && cfg->depths[i]; i++)
		if (cfg->depths[i] > LIBDMA_BENCH_MAX_DEPTH)
			return libdma__fail(-EINVAL, "bench: queue depth %u: give "
					    "1 to %u", cfg->depths[i],
					    LIBDMA_BENCH_MAX_DEPTH);
	for (; i < LIBDMA_BENCH_MAX_DEPTHS; i++)
		if (cfg->depths[i])
			return libdma__fail(-EINVAL, "bench: queue depth %u after "
					    "the 0 that ends the list",
					    cfg->depths[i]);
	for (i = 0; i < 2; i++)
		if (cfg->reserved[i])
			return libdma__fail(-EINVAL, "bench: reserved fields of "
					    "the config must be 0 (start from "
					    "libdma_bench_config_init())");
	return libdma__check_sizes("bench", cfg->sizes, cfg->nr_sizes,
				   LIBDMA_BENCH_MAX_SIZES, MAX_SIZE, "copy");
}

static int bench_run(struct libdma_device *dev,
		     const struct libdma_bench_config *user_cfg,
		     struct libdma_bench_result **resultp)
{
	uint64_t sizes[LIBDMA_BENCH_MAX_SIZES], commands_min = 0, commands_done = 0;
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r;
	struct libdma_device *vfio = NULL;
	unsigned int nr_sizes = 0, nr_modes = 0, nr_depths = 0, nr_plain, i, m, n, d;
	double *figs = NULL;
	int err;

	if (resultp)
		*resultp = NULL;
	err = libdma__run_check("bench", dev, resultp != NULL);
	if (err)
		return err;
	if (user_cfg)
		cfg = *user_cfg;
	else
		libdma_bench_config_init(&cfg);
	err = check_config(&cfg);
	if (err)
		return err;
	/* The vfio mode's device: the one given, or 'dev' if it is VFIO. */
	if (cfg.vfio) {
		err = libdma__device_check(cfg.vfio);
		if (err)
			return err;
		if (strcmp(cfg.vfio->info.backend, "vfio"))
			return libdma__fail(-EINVAL, "bench: the vfio mode's device "
					    "%s was not opened through VFIO "
					    "(\"vfio:<address>\")",
					    cfg.vfio->info.node);
		vfio = cfg.vfio;
	} else if (!strcmp(dev->info.backend, "vfio")) {
		vfio = dev;
	}
	if (!cfg.modes)
		cfg.modes = LIBDMA_BENCH_KERNEL_MODES |
			    (vfio ? 1U << LIBDMA_BENCH_VFIO : 0);
	err = libdma__device_require(dev, LIBDMA_FEAT_COPY, "copies (the benchmark)");
	if (err)
		return err;

	if (cfg.sizes) {
		nr_sizes = cfg.nr_sizes;
		memcpy(sizes, cfg.sizes, nr_sizes * sizeof(sizes[0]));
	} else {
		uint64_t s;

		for (s = LIBDMA_BENCH_DEFAULT_MIN_SIZE;
		     s <= LIBDMA_BENCH_DEFAULT_MAX_SIZE; s *= 2)
			sizes[nr_sizes++] = s;
	}
	for (m = 0; m < LIBDMA_BENCH_NR_MODES; m++)
		nr_modes += !!(cfg.modes & (1U << m));
	while (nr_depths < LIBDMA_BENCH_MAX_DEPTHS && cfg.depths[nr_depths])
		nr_depths++;

	r = calloc(1, sizeof(*r));
	if (!r)
		return libdma__fail(-ENOMEM, "bench: out of memory");
	r->repetitions = cfg.repetitions;
	r->flags = cfg.flags;
	nr_plain = nr_sizes * nr_modes;
	r->nr_cells = nr_plain * (1 + nr_depths);
	r->cells = calloc(r->nr_cells, sizeof(*r->cells));
	figs = calloc((size_t)NR_FIGS * cfg.repetitions, sizeof(*figs));
	if (!r->cells || !figs) {
		err = libdma__fail(-ENOMEM, "bench: out of memory");
		goto err_free;
	}
	libdma__env_get(dev, cfg.label, &r->env);
	if (vfio && (cfg.modes & (1U << LIBDMA_BENCH_VFIO)))
		snprintf(r->env.vfio_node, sizeof(r->env.vfio_node), "%.39s",
			 vfio->info.node);
	for (i = 0, n = 0; i < nr_sizes; i++)
		for (m = 0; m < LIBDMA_BENCH_NR_MODES; m++) {
			if (!(cfg.modes & (1U << m)))
				continue;
			r->cells[n].mode = m;
			r->cells[n].size = sizes[i];
			n++;
			commands_min += cfg.repetitions *
				libdma__bench_min_commands(sizes[i], &r->env.info);
		}
	/* the streams: size by size, modes in order, depths as given */
	for (i = 0; i < nr_sizes; i++)
		for (m = 0; m < LIBDMA_BENCH_NR_MODES; m++) {
			if (!(cfg.modes & (1U << m)))
				continue;
			for (d = 0; d < nr_depths; d++) {
				r->cells[n].mode = m;
				r->cells[n].size = sizes[i];
				r->cells[n].depth = cfg.depths[d];
				n++;
				if (m == LIBDMA_BENCH_BOUNCE || m == LIBDMA_BENCH_VFIO)
					continue;	/* unavailable */
				commands_min += cfg.repetitions *
					libdma__bench_stream_requests(sizes[i],
								      cfg.depths[d]) *
					libdma__bench_min_commands(sizes[i],
								   &r->env.info);
			}
		}

	err = calibrate(dev, &r->env);
	if (err)
		goto err_free;
	for (i = 0; i < nr_plain; i++) {
		memset(figs, 0, (size_t)NR_FIGS * cfg.repetitions * sizeof(*figs));
		err = run_cell(dev, vfio, &cfg, r, i, figs, &commands_done,
			       commands_min);
		if (err)
			goto err_free;
	}
	for (; i < r->nr_cells; i++) {
		err = run_stream(dev, vfio, &cfg, r, i, &commands_done,
				 commands_min);
		if (err)
			goto err_free;
	}
	free(figs);
	*resultp = r;
	return (int)r->nr_failed;

err_free:
	free(figs);
	libdma_bench_result_free(r);
	return err;
}

LIBDMA_EXPORT int libdma_bench_run(struct libdma_device *dev,
				   const struct libdma_bench_config *cfg,
				   struct libdma_bench_result **resultp)
{
	return LIBDMA_KEEP_ERRNO(bench_run(dev, cfg, resultp));
}

LIBDMA_EXPORT void libdma_bench_result_free(struct libdma_bench_result *result)
{
	if (!result)
		return;
	free(result->cells);
	free(result);
}
