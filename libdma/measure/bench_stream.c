// SPDX-License-Identifier: MIT
/*
 * The benchmark's streams (API 1.4; include/libdma/bench.h): copies kept
 * 'depth' in flight with libdma_submit_copy() / libdma_reap(), so that a
 * device which can run many requests (edu-sg) shows what it does when the
 * host never lets it wait, and what queue depth buys.
 *
 * One stream cell, each repetition:
 *
 *   fill the user areas: sources with a pattern per pair, destinations
 *        with its complement (untimed: the data is the application's own)
 *   setup      alloc / register the P pairs                -> setup_ns
 *   fill coherent buffers likewise (untimed)
 *   stream     N submits round robin over the pairs, 'depth' in flight,
 *              reaped as they finish: first submit to last reap
 *                                                          -> transfer_ns
 *   every completion: result 0 and all its bytes moved
 *   check every destination byte of every pair (untimed)
 *   teardown   free / unregister the pairs                 -> teardown_ns
 *
 * with P = min(depth, max(1, 32 MiB / size)) pairs and N = clamp(64 MiB /
 * size, 4 x depth, 1024) requests: enough to fill the queue many times
 * over, bounded in memory and time. The user areas of the pairs are
 * allocated and written once, before the first repetition, as for the
 * single-transfer cells (bench.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench_internal.h"

uint32_t libdma__bench_stream_pairs(uint64_t size, uint32_t depth)
{
	uint64_t fit = size ? LIBDMA__BENCH_STREAM_PAIR_BYTES / size : 1;

	if (fit < 1)
		fit = 1;
	return depth < fit ? depth : (uint32_t)fit;
}

uint32_t libdma__bench_stream_requests(uint64_t size, uint32_t depth)
{
	uint64_t n = size ? LIBDMA__BENCH_STREAM_BYTES / size : 0;

	if (n < 4ULL * depth)
		n = 4ULL * depth;
	if (n > LIBDMA__BENCH_STREAM_MAX_REQ)
		n = LIBDMA__BENCH_STREAM_MAX_REQ;
	return (uint32_t)n;
}

/* Figures per repetition, summarised into the cell. */
enum {
	SF_COMMANDS,
	SF_SETUP,
	SF_TEARDOWN,
	SF_TRANSFER,
	SF_DEVICE,
	SF_HOST,
	SF_PIN,
	SF_THROUGHPUT,
	SF_RATE,
	SF_EFFICIENCY,
	NR_SF,
};

struct pair {
	struct libdma__bench_areas areas;	/* user memory (not coherent) */
	struct libdma_buffer *bsrc, *bdst;	/* this repetition's buffers */
	struct libdma_region src, dst;
	uint64_t seed;
	struct libdma_pin_stats ps[2];
};

struct stream {
	const struct libdma__bench_stream_ctx *x;
	struct libdma_bench_cell *cell;
	unsigned int mode;
	size_t size;
	uint32_t depth, nr_pairs, requests;
	struct pair *pairs;
	struct libdma_completion *comps;	/* [depth] */
	double *fig[NR_SF];			/* [repetition] */
	uint64_t commands;			/* so far */
	uint64_t dma_segments;			/* summed over the last stream */
	uint64_t oneshot_pin_ns;		/* sg-oneshot: summed likewise */
};

#define now_ns libdma__bench_now_ns

static int is_coherent(const struct stream *s)
{
	return s->mode == LIBDMA_BENCH_COHERENT;
}

static void pairs_release(struct stream *s)
{
	uint32_t p;

	for (p = 0; p < s->nr_pairs; p++) {
		struct pair *pr = &s->pairs[p];

		if (is_coherent(s)) {
			if (pr->bdst)
				libdma_buffer_free(pr->bdst);
			if (pr->bsrc)
				libdma_buffer_free(pr->bsrc);
		} else {
			if (pr->bdst)
				libdma_buffer_unregister(pr->bdst);
			if (pr->bsrc)
				libdma_buffer_unregister(pr->bsrc);
		}
		pr->bsrc = pr->bdst = NULL;
	}
}

/* Set up every pair (the timed setup step). 0 or -errno (message set). */
static int pairs_setup(struct stream *s)
{
	uint32_t p;
	int err = 0;

	for (p = 0; p < s->nr_pairs && !err; p++) {
		struct pair *pr = &s->pairs[p];

		memset(pr->ps, 0, sizeof(pr->ps));
		if (is_coherent(s)) {
			err = libdma_buffer_alloc(s->x->dev, s->size, &pr->bsrc);
			if (!err)
				err = libdma_buffer_alloc(s->x->dev, s->size, &pr->bdst);
		} else if (s->mode != LIBDMA_BENCH_SG_ONESHOT) {
			err = libdma_buffer_register(s->x->dev, pr->areas.src, s->size,
						     LIBDMA_ACCESS_DEV_READ,
						     &pr->bsrc, &pr->ps[0]);
			if (!err)
				err = libdma_buffer_register(s->x->dev, pr->areas.dst,
							     s->size,
							     LIBDMA_ACCESS_DEV_WRITE,
							     &pr->bdst, &pr->ps[1]);
		}
	}
	return err;
}

/* Undo pairs_setup() (the timed teardown step). 0 or -errno. */
static int pairs_teardown(struct stream *s)
{
	uint32_t p;
	int err = 0;

	for (p = 0; p < s->nr_pairs; p++) {
		struct pair *pr = &s->pairs[p];

		if (is_coherent(s)) {
			if (libdma_buffer_free(pr->bdst) && !err)
				err = -EIO;
			if (libdma_buffer_free(pr->bsrc) && !err)
				err = -EIO;
		} else if (pr->bsrc) {
			if (libdma_buffer_unregister(pr->bdst) && !err)
				err = -EIO;
			if (libdma_buffer_unregister(pr->bsrc) && !err)
				err = -EIO;
		}
		pr->bsrc = pr->bdst = NULL;
	}
	return err;
}

/* Where the destination's bytes of pair p show. */
static unsigned char *visible_dst(struct stream *s, struct pair *pr)
{
	return is_coherent(s) ? libdma_buffer_ptr(pr->bdst) : pr->areas.dst;
}

/*
 * The stream itself: 'requests' copies, 'depth' in flight, round robin
 * over the pairs. Fills *wall, *device, *commands. 0 or -errno (message
 * set, step noted in *step).
 */
static int stream_run(struct stream *s, uint64_t *wall, uint64_t *device,
		      uint64_t *commands, const char **step)
{
	struct libdma_device *dev = s->x->dev;
	uint32_t submitted = 0, done = 0;
	uint64_t t0, t1;
	int n, i, err = 0;

	*device = *commands = 0;
	s->dma_segments = s->oneshot_pin_ns = 0;
	t0 = now_ns();
	while (done < s->requests) {
		while (submitted < s->requests && submitted - done < s->depth) {
			struct pair *pr = &s->pairs[submitted % s->nr_pairs];

			err = libdma_submit_copy(dev, &pr->dst, &pr->src,
						 submitted, NULL);
			if (err == -EAGAIN && submitted > done)
				break;		/* the driver's quota: reap first */
			if (err) {
				*step = "submit";
				goto drain;
			}
			submitted++;
		}
		n = libdma_reap(dev, s->comps, s->depth, 1, -1);
		if (n < 0) {
			err = n;
			*step = "reap";
			goto drain;
		}
		for (i = 0; i < n; i++) {
			const struct libdma_completion *c = &s->comps[i];

			*commands += c->stats.commands;
			s->commands += c->stats.commands;
			if (c->result) {
				err = libdma__fail(c->result, "bench: request %llu of "
						   "the stream failed: %s",
						   (unsigned long long)c->user_data,
						   strerror(-c->result));
				*step = "stream";
			} else if (c->stats.bytes != s->size && !err) {
				err = libdma__fail(-EIO, "bench: request %llu moved "
						   "%llu of %zu bytes",
						   (unsigned long long)c->user_data,
						   (unsigned long long)c->stats.bytes,
						   s->size);
				*step = "stream";
			}
			*device += c->stats.device_ns;
			s->dma_segments += c->stats.dma_segments;
			s->oneshot_pin_ns += c->stats.setup_ns;
		}
		done += (uint32_t)n;
		if (err)
			goto drain;
	}
	t1 = now_ns();
	*wall = t1 - t0;
	return 0;

drain:
	/* Nothing may stay in flight over memory we are about to free. */
	if (submitted > done) {
		libdma_cancel(dev, 0);
		while (submitted > done) {
			n = libdma_reap(dev, s->comps, s->depth, 1, -1);
			if (n <= 0)
				break;
			done += (uint32_t)n;
		}
	}
	return err;
}

/* One repetition. 0, 1 (did not verify: noted) or -errno (noted). */
static int stream_repetition(struct stream *s, unsigned int rep)
{
	struct libdma_bench_cell *cell = s->cell;
	uint64_t t0, t1, t4, t5, wall = 0, device = 0, commands = 0, pin = 0;
	const char *step = "setup";
	uint32_t p;
	int err;

	for (p = 0; p < s->nr_pairs; p++) {
		struct pair *pr = &s->pairs[p];

		pr->seed = ((uint64_t)s->mode << 56) ^ ((uint64_t)s->size << 8) ^
			   ((uint64_t)s->depth << 40) ^ ((uint64_t)p << 32) ^ rep ^
			   0x57e4000000000000ull;
		if (pr->areas.src) {
			libdma__pattern_fill(pr->areas.src, s->size, pr->seed);
			libdma__pattern_fill(pr->areas.dst, s->size, ~pr->seed);
		}
	}

	t0 = now_ns();
	err = pairs_setup(s);
	t1 = now_ns();
	if (err)
		goto out;
	for (p = 0; p < s->nr_pairs; p++) {
		struct pair *pr = &s->pairs[p];

		pin += pr->ps[0].pin_ns + pr->ps[0].map_ns +
		       pr->ps[1].pin_ns + pr->ps[1].map_ns;
		if (is_coherent(s)) {
			libdma__pattern_fill(libdma_buffer_ptr(pr->bsrc), s->size,
					     pr->seed);
			/* a copy that never happens leaves this */
			libdma__pattern_fill(libdma_buffer_ptr(pr->bdst), s->size,
					     ~pr->seed);
		}
		if (s->mode == LIBDMA_BENCH_SG_ONESHOT) {
			pr->src = libdma_region_user(pr->areas.src, s->size);
			pr->dst = libdma_region_user(pr->areas.dst, s->size);
		} else {
			pr->src = libdma_region_buffer(pr->bsrc, 0, s->size);
			pr->dst = libdma_region_buffer(pr->bdst, 0, s->size);
		}
	}

	step = "stream";
	err = stream_run(s, &wall, &device, &commands, &step);
	if (err)
		goto out;

	/* The test hook: a wrong byte must fail the cell, never be reported. */
	if (s->x->flags & LIBDMA_BENCH_CORRUPT)
		visible_dst(s, &s->pairs[s->nr_pairs - 1])[s->size / 2] ^= 0x40;
	for (p = 0; p < s->nr_pairs; p++) {
		struct pair *pr = &s->pairs[p];
		unsigned char *v = visible_dst(s, pr);
		size_t first, nbad;

		first = libdma__pattern_check(v, s->size, pr->seed, &nbad);
		if (first != (size_t)-1) {
			cell->status = LIBDMA_BENCH_MISMATCH;
			snprintf(cell->note, sizeof(cell->note),
				 "repetition %u, pair %u of %u: %zu of %zu destination "
				 "bytes wrong, the first at %zu (0x%02x, expected "
				 "0x%02x)%s", rep + 1, p + 1, s->nr_pairs, nbad,
				 s->size, first, v[first],
				 libdma__pattern_at(first, pr->seed),
				 s->x->flags & LIBDMA_BENCH_CORRUPT ?
				 "; corrupted on purpose (test hook)" : "");
			err = 1;
			goto out;
		}
	}

	step = "teardown";
	t4 = now_ns();
	err = pairs_teardown(s);
	t5 = now_ns();
	if (err)
		goto out;

	if (s->mode != LIBDMA_BENCH_SG_ONESHOT) {
		s->fig[SF_SETUP][rep] = (double)(t1 - t0);
		s->fig[SF_TEARDOWN][rep] = (double)(t5 - t4);
		s->fig[SF_PIN][rep] = (double)pin;
	} else {
		s->fig[SF_PIN][rep] = (double)s->oneshot_pin_ns / s->requests;
	}
	s->fig[SF_TRANSFER][rep] = (double)wall;
	s->fig[SF_DEVICE][rep] = (double)device;
	s->fig[SF_HOST][rep] = wall > device ? (double)(wall - device) : 0;
	s->fig[SF_COMMANDS][rep] = (double)commands / s->requests;
	s->fig[SF_THROUGHPUT][rep] = wall ?
		(double)s->requests * (double)s->size * 1e9 / (double)wall : 0;
	s->fig[SF_RATE][rep] = wall ? (double)s->requests * 1e9 / (double)wall : 0;
	s->fig[SF_EFFICIENCY][rep] = wall ? (double)device / (double)wall : 0;

	/* per request, both sides (as the single-transfer cells count) */
	if (is_coherent(s)) {
		cell->pages = 2 * ((s->size + s->x->env->page_size - 1) /
				   s->x->env->page_size);
		cell->cpu_segments = 2;
	} else if (s->mode == LIBDMA_BENCH_SG_ONESHOT) {
		cell->pages = 0;
		cell->cpu_segments = 0;		/* not reported for one-shot regions */
	} else {
		uint64_t pages = 0, segs = 0;

		for (p = 0; p < s->nr_pairs; p++) {
			pages += (uint64_t)s->pairs[p].ps[0].pages + s->pairs[p].ps[1].pages;
			segs += (uint64_t)s->pairs[p].ps[0].cpu_segments +
				s->pairs[p].ps[1].cpu_segments;
		}
		cell->pages = (pages + s->nr_pairs / 2) / s->nr_pairs;
		cell->cpu_segments = (segs + s->nr_pairs / 2) / s->nr_pairs;
	}
	cell->dma_segments = (s->dma_segments + s->requests / 2) / s->requests;
	return 0;

out:
	if (err < 0)
		libdma__bench_cell_fail(cell, err, step);
	pairs_release(s);
	return err;
}

/* Why a stream cannot run here, or 1 if it can. */
static int stream_available(const struct libdma__bench_stream_ctx *x,
			    struct libdma_bench_cell *cell)
{
	if (cell->mode == LIBDMA_BENCH_BOUNCE) {
		libdma__bench_unavailable(cell, "no bounce streams: the CPU copies "
					  "around each transfer serialise them");
		return 0;
	}
	if (cell->mode == LIBDMA_BENCH_VFIO) {
		libdma__bench_unavailable(cell, "no vfio streams: the VFIO backend "
					  "has no asynchronous requests");
		return 0;
	}
	if (!(x->env->info.features & LIBDMA_FEAT_ASYNC)) {
		libdma__bench_unavailable(cell, "the driver has no asynchronous "
					  "requests (feature \"async\")");
		return 0;
	}
	return libdma__bench_mode_available(x->env, x->have_vfio, cell->mode,
					    cell->size, cell);
}

int libdma__bench_stream_cell(const struct libdma__bench_stream_ctx *x,
			      struct libdma_bench_cell *cell, uint64_t *commands)
{
	struct libdma_bench_stat *stat[NR_SF];
	struct stream s;
	double *figs = NULL;
	unsigned int rep, i;
	uint32_t p;
	int ret = 0;

	memset(&s, 0, sizeof(s));
	s.x = x;
	s.cell = cell;
	s.mode = cell->mode;
	s.size = (size_t)cell->size;
	s.depth = cell->depth;
	if (!stream_available(x, cell))
		return 0;
	s.nr_pairs = libdma__bench_stream_pairs(cell->size, s.depth);
	s.requests = libdma__bench_stream_requests(cell->size, s.depth);
	cell->requests = s.requests;
	s.pairs = calloc(s.nr_pairs, sizeof(*s.pairs));
	s.comps = calloc(s.depth, sizeof(*s.comps));
	figs = calloc((size_t)NR_SF * x->repetitions, sizeof(*figs));
	if (!s.pairs || !s.comps || !figs) {
		ret = libdma__fail(-ENOMEM, "bench: out of memory");
		libdma__bench_cell_fail(cell, ret, "memory");
		ret = 0;
		goto done;
	}
	for (i = 0; i < NR_SF; i++)
		s.fig[i] = figs + (size_t)i * x->repetitions;
	for (p = 0; p < s.nr_pairs; p++) {
		ret = libdma__bench_areas_get(&s.pairs[p].areas, s.mode, s.size,
					      cell);
		if (ret) {
			if (ret < 0)
				libdma__bench_cell_fail(cell, ret, "memory");
			ret = 0;	/* noted in the cell; other cells may work */
			goto done;
		}
	}
	for (rep = 0; rep < x->repetitions; rep++) {
		if (x->rep_start)
			x->rep_start(x->arg, rep + 1, s.commands);
		ret = stream_repetition(&s, rep);
		if (ret)
			break;
		cell->repetitions = rep + 1;
	}
	if (ret == 0) {
		stat[SF_COMMANDS] = &cell->commands;
		stat[SF_SETUP] = &cell->setup_ns;
		stat[SF_TEARDOWN] = &cell->teardown_ns;
		stat[SF_TRANSFER] = &cell->transfer_ns;
		stat[SF_DEVICE] = &cell->device_ns;
		stat[SF_HOST] = &cell->host_ns;
		stat[SF_PIN] = &cell->pin_ns;
		stat[SF_THROUGHPUT] = &cell->throughput;
		stat[SF_RATE] = &cell->request_rate;
		stat[SF_EFFICIENCY] = &cell->efficiency;
		for (i = 0; i < NR_SF; i++)
			libdma__bench_stat(s.fig[i], x->repetitions, stat[i]);
		cell->status = LIBDMA_BENCH_OK;
	} else {
		/* Nothing unverified or partial is reported (as bench.c). */
		unsigned int status = cell->status, reps = cell->repetitions;
		int error = cell->error;
		char note[sizeof(cell->note)];
		uint64_t size = cell->size;
		uint32_t depth = cell->depth, requests = cell->requests;
		unsigned int mode = cell->mode;

		memcpy(note, cell->note, sizeof(note));
		memset(cell, 0, sizeof(*cell));
		cell->mode = mode;
		cell->size = size;
		cell->depth = depth;
		cell->requests = requests;
		cell->status = status;
		cell->error = error;
		cell->repetitions = reps;
		memcpy(cell->note, note, sizeof(note));
		ret = ret < 0 && libdma__bench_fatal(ret) ? ret : 0;
	}
done:
	if (s.pairs) {
		pairs_release(&s);
		for (p = 0; p < s.nr_pairs; p++)
			libdma__bench_areas_put(&s.pairs[p].areas);
	}
	free(s.pairs);
	free(s.comps);
	free(figs);
	*commands += s.commands;
	return ret;
}
