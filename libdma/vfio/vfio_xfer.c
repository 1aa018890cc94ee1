// SPDX-License-Identifier: MIT
/*
 * TRANSFER and COPY, the VFIO twin of driver/edudma_xfer.c: resolve the
 * caller's regions to IOVA spans (a one-shot region is mapped for the
 * call), plan the commands with include/edu/edu_plan.h - the driver's own
 * planner and window rule, not a copy - hand the plan to the engine and
 * report what happened. Apart from the engine as in the driver: this file
 * knows regions and plans, the engine only commands. Calls vfio_engine.c,
 * vfio_dma.c and vfio_regs.c.
 */
#include <errno.h>
#include <stdlib.h>

#include <edu/edu_plan.h>

#include "vfio_internal.h"

static void fill_stats(struct libdma_stats *st, const struct vfio_run *run,
		       uint64_t start)
{
	st->bytes = run->credit;
	st->commands = run->done;
	st->device_ns = run->device_ns;
	st->wall_ns = libdma__vfio_now_ns() - start;
	if (st->wall_ns < st->device_ns)
		st->wall_ns = st->device_ns;
	st->host_ns = st->wall_ns - st->device_ns;
}

static struct edu_cmd *plan_alloc(long n)
{
	return n > 0 ? malloc((size_t)n * sizeof(struct edu_cmd)) : NULL;
}

int libdma__vfio_transfer(struct libdma_device *dev, enum libdma_direction dir,
			  const struct libdma_region *mem, size_t dev_offset,
			  struct libdma_stats *stats)
{
	uint64_t start = libdma__vfio_now_ns();
	bool to_dev = dir == LIBDMA_TO_DEVICE;
	struct vfio_run run = { 0, 0, 0 };
	struct edu_cursor cur;
	struct edu_cmd *cmds;
	struct edu_seg seg;
	struct vfio_dev *vd;
	struct vfio_span sp;
	long n;
	int err = libdma__vfio_own(dev, &vd);

	if (err)
		return err;
	err = libdma__vfio_span_get(vd, mem, to_dev ? LIBDMA_ACCESS_DEV_READ :
				    LIBDMA_ACCESS_DEV_WRITE, &sp, stats,
				    "transfer");
	if (err)
		return err;
	seg.addr = sp.iova;
	seg.len = mem->length;
	edu_cursor_init(&cur, &seg, 1, 0);
	/* Count, then fill: the plan is pure and gives the same answer twice. */
	n = edu_plan_transfer(NULL, 0, cur, mem->length, to_dev,
			      (edu_u32)dev_offset, vd->window);
	cmds = plan_alloc(n);
	if (!cmds) {
		err = libdma__fail(n > 0 ? -ENOMEM : -EINVAL, "transfer of %zu "
				   "bytes at device offset %zu on %s: %s",
				   mem->length, dev_offset, vd->node, n > 0 ?
				   "out of memory for the plan" :
				   "breaks the window rules");
		goto out;
	}
	edu_plan_transfer(cmds, (unsigned long)n, cur, mem->length, to_dev,
			  (edu_u32)dev_offset, vd->window);
	stats->dma_segments = 1;
	err = libdma__vfio_run_cmds(vd, cmds, (unsigned long)n, &run);
	free(cmds);
out:
	libdma__vfio_span_put(vd, &sp);
	fill_stats(stats, &run, start);
	return err;
}

int libdma__vfio_copy(struct libdma_device *dev,
		      const struct libdma_region *dst,
		      const struct libdma_region *src,
		      struct libdma_stats *stats)
{
	uint64_t start = libdma__vfio_now_ns();
	struct vfio_run run = { 0, 0, 0 };
	struct edu_cursor cs, cd;
	struct edu_seg ss, ds;
	struct vfio_span s, d;
	struct edu_cmd *cmds;
	struct vfio_dev *vd;
	long n;
	int err = libdma__vfio_own(dev, &vd);

	if (err)
		return err;
	err = libdma__vfio_span_get(vd, src, LIBDMA_ACCESS_DEV_READ, &s, stats,
				    "copy source");
	if (err)
		return err;
	err = libdma__vfio_span_get(vd, dst, LIBDMA_ACCESS_DEV_WRITE, &d, stats,
				    "copy destination");
	if (err)
		goto out_src;
	ss.addr = s.iova;
	ss.len = src->length;
	ds.addr = d.iova;
	ds.len = dst->length;
	edu_cursor_init(&cs, &ss, 1, 0);
	edu_cursor_init(&cd, &ds, 1, 0);
	n = edu_plan_copy(NULL, 0, cs, cd, src->length, vd->window);
	cmds = plan_alloc(n);
	if (!cmds) {
		err = libdma__fail(n > 0 ? -ENOMEM : -EINVAL, "copy of %zu bytes "
				   "on %s: %s", src->length, vd->node, n > 0 ?
				   "out of memory for the plan" :
				   "cannot be planned");
		goto out_dst;
	}
	edu_plan_copy(cmds, (unsigned long)n, cs, cd, src->length, vd->window);
	stats->dma_segments = 2;
	err = libdma__vfio_run_cmds(vd, cmds, (unsigned long)n, &run);
	free(cmds);
out_dst:
	libdma__vfio_span_put(vd, &d);
out_src:
	libdma__vfio_span_put(vd, &s);
	fill_stats(stats, &run, start);
	return err;
}
