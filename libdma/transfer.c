// SPDX-License-Identifier: MIT
/*
 * Data movement: to the device, from the device, and copies through it.
 * Everything is checked here first so that the caller gets a precise
 * message; the driver checks it all again.
 */
#include <string.h>

#include "backend.h"

/* A transfer's arguments (synchronous or submitted): 0 or -errno, message set. */
int libdma__transfer_args_check(struct libdma_device *dev,
				enum libdma_direction dir,
				const struct libdma_region *mem,
				size_t dev_offset)
{
	int err = libdma__region_check(dev, mem, dir == LIBDMA_TO_DEVICE ?
				       LIBDMA_DEVICE_READS : LIBDMA_DEVICE_WRITES,
				       dir == LIBDMA_TO_DEVICE ? "source" :
				       "destination");

	if (err)
		return err;
	if (dev_offset >= dev->info.window_size)
		return libdma__fail(-EINVAL, "device offset %zu is outside the "
				    "%u-byte window", dev_offset,
				    dev->info.window_size);
	return 0;
}

/* A copy's arguments (synchronous or submitted): 0 or -errno, message set. */
int libdma__copy_args_check(struct libdma_device *dev,
			    const struct libdma_region *dst,
			    const struct libdma_region *src)
{
	int err = libdma__region_check(dev, src, LIBDMA_DEVICE_READS, "source");

	if (err)
		return err;
	err = libdma__region_check(dev, dst, LIBDMA_DEVICE_WRITES, "destination");
	if (err)
		return err;
	if (src->length != dst->length)
		return libdma__fail(-EINVAL, "copy: source length %zu differs "
				    "from destination length %zu",
				    src->length, dst->length);
	if (libdma__regions_overlap(src, dst))
		return libdma__fail(-EINVAL, "copy: source and destination "
				    "overlap");
	return 0;
}

static int transfer(struct libdma_device *dev, enum libdma_direction dir,
		    const struct libdma_region *mem, size_t dev_offset,
		    struct libdma_stats *stats)
{
	struct libdma_stats local_stats;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	err = libdma__device_check(dev);
	if (err)
		return err;
	err = libdma__transfer_args_check(dev, dir, mem, dev_offset);
	if (err)
		return err;
	err = libdma__device_require(dev, LIBDMA_FEAT_TRANSFER, "transfers");
	if (err)
		return err;

	memset(&local_stats, 0, sizeof(local_stats));
	err = dev->ops->transfer(dev, dir, mem, dev_offset, &local_stats);
	if (stats)
		*stats = local_stats;
	return err;
}

LIBDMA_EXPORT int libdma_transfer_to_device(struct libdma_device *dev,
					    const struct libdma_region *src,
					    size_t dev_offset,
					    struct libdma_stats *stats)
{
	return LIBDMA_KEEP_ERRNO(transfer(dev, LIBDMA_TO_DEVICE, src,
					  dev_offset, stats));
}

LIBDMA_EXPORT int libdma_transfer_from_device(struct libdma_device *dev,
					      const struct libdma_region *dst,
					      size_t dev_offset,
					      struct libdma_stats *stats)
{
	return LIBDMA_KEEP_ERRNO(transfer(dev, LIBDMA_FROM_DEVICE, dst,
					  dev_offset, stats));
}

static int copy(struct libdma_device *dev, const struct libdma_region *dst,
		const struct libdma_region *src, struct libdma_stats *stats)
{
	struct libdma_stats local_stats;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	err = libdma__device_check(dev);
	if (err)
		return err;
	err = libdma__copy_args_check(dev, dst, src);
	if (err)
		return err;
	err = libdma__device_require(dev, LIBDMA_FEAT_COPY, "copies");
	if (err)
		return err;

	memset(&local_stats, 0, sizeof(local_stats));
	err = dev->ops->copy(dev, dst, src, &local_stats);
	if (stats)
		*stats = local_stats;
	return err;
}

LIBDMA_EXPORT int libdma_copy(struct libdma_device *dev,
			      const struct libdma_region *dst,
			      const struct libdma_region *src,
			      struct libdma_stats *stats)
{
	return LIBDMA_KEEP_ERRNO(copy(dev, dst, src, stats));
}
