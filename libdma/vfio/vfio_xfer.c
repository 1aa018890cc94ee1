// SPDX-License-Identifier: MIT
/*
 * TRANSFER and COPY, the VFIO twin of driver/edudma_xfer.c: resolve the
 * caller's regions to IOVA spans (a one-shot region is mapped for the
 * call), hand them to the device's engine - edu's (vfio_engine.c: planned
 * by include/edu/edu_plan.h, one command at a time) or edu-sg's
 * (vfio_edusg.c: planned by include/edu/edusg_plan.h, descriptors on a
 * ring) - and report what happened. Apart from the engines as in the
 * driver: this file knows regions and spans, an engine IOVA ranges and
 * its device. Calls the engines, vfio_dma.c and vfio_regs.c.
 */
#include <errno.h>

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

int libdma__vfio_transfer(struct libdma_device *dev, enum libdma_direction dir,
			  const struct libdma_region *mem, size_t dev_offset,
			  struct libdma_stats *stats)
{
	uint64_t start = libdma__vfio_now_ns();
	bool to_dev = dir == LIBDMA_TO_DEVICE;
	struct vfio_run run = { 0, 0, 0 };
	struct vfio_dev *vd;
	struct vfio_span sp;
	int err = libdma__vfio_own(dev, &vd);

	if (err)
		return err;
	err = libdma__vfio_span_get(vd, mem, to_dev ? LIBDMA_ACCESS_DEV_READ :
				    LIBDMA_ACCESS_DEV_WRITE, &sp, stats,
				    "transfer");
	if (err)
		return err;
	stats->dma_segments = 1;
	err = vd->eng->transfer(vd, sp.iova, mem->length, to_dev, dev_offset,
				&run);
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
	struct vfio_span s, d;
	struct vfio_dev *vd;
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
	stats->dma_segments = 2;
	err = vd->eng->copy(vd, s.iova, d.iova, src->length, &run);
	libdma__vfio_span_put(vd, &d);
out_src:
	libdma__vfio_span_put(vd, &s);
	fill_stats(stats, &run, start);
	return err;
}
