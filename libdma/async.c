// SPDX-License-Identifier: MIT
/*
 * Asynchronous requests (API 1.4): the same argument checks as the
 * synchronous transfers and copies (transfer.c's libdma__*_args_check),
 * then the backend's submit; reaping,
 * cancelling and the descriptor to poll.
 */
#include <string.h>

#include "backend.h"

static int async_require(struct libdma_device *dev)
{
	int err = libdma__device_check(dev);

	if (err)
		return err;
	err = libdma__device_require(dev, LIBDMA_FEAT_ASYNC,
				     "asynchronous requests");
	if (err)
		return err;
	if (!dev->ops->submit)
		return libdma__fail(-EOPNOTSUPP, "%s: asynchronous requests "
				    "not supported by the %s backend",
				    dev->info.node, dev->info.backend);
	return 0;
}

static int submit_transfer(struct libdma_device *dev, enum libdma_direction dir,
			   const struct libdma_region *mem, size_t dev_offset,
			   uint64_t user_data, uint64_t *idp)
{
	uint64_t id = 0;
	int err = async_require(dev);

	if (err)
		return err;
	err = libdma__transfer_args_check(dev, dir, mem, dev_offset);
	if (err)
		return err;
	err = dev->ops->submit(dev, NULL, mem, dir, dev_offset, user_data, &id);
	if (!err && idp)
		*idp = id;
	return err;
}

LIBDMA_EXPORT int libdma_submit_to_device(struct libdma_device *dev,
					  const struct libdma_region *src,
					  size_t dev_offset, uint64_t user_data,
					  uint64_t *idp)
{
	return LIBDMA_KEEP_ERRNO(submit_transfer(dev, LIBDMA_TO_DEVICE, src,
						 dev_offset, user_data, idp));
}

LIBDMA_EXPORT int libdma_submit_from_device(struct libdma_device *dev,
					    const struct libdma_region *dst,
					    size_t dev_offset, uint64_t user_data,
					    uint64_t *idp)
{
	return LIBDMA_KEEP_ERRNO(submit_transfer(dev, LIBDMA_FROM_DEVICE, dst,
						 dev_offset, user_data, idp));
}

static int submit_copy(struct libdma_device *dev, const struct libdma_region *dst,
		       const struct libdma_region *src, uint64_t user_data,
		       uint64_t *idp)
{
	uint64_t id = 0;
	int err = async_require(dev);

	if (err)
		return err;
	err = libdma__copy_args_check(dev, dst, src);
	if (err)
		return err;
	err = dev->ops->submit(dev, dst, src, LIBDMA_TO_DEVICE, 0, user_data, &id);
	if (!err && idp)
		*idp = id;
	return err;
}

LIBDMA_EXPORT int libdma_submit_copy(struct libdma_device *dev,
				     const struct libdma_region *dst,
				     const struct libdma_region *src,
				     uint64_t user_data, uint64_t *idp)
{
	return LIBDMA_KEEP_ERRNO(submit_copy(dev, dst, src, user_data, idp));
}

static int reap(struct libdma_device *dev, struct libdma_completion *c,
		unsigned int max, unsigned int min_complete, int timeout_ms)
{
	unsigned int count = 0;
	int err = async_require(dev);

	if (err)
		return err;
	if (!c || !max)
		return libdma__fail(-EINVAL, "reap: %s", !c ?
				    "completions is NULL" : "max is 0");
	if (min_complete > max)
		return libdma__fail(-EINVAL, "reap: waiting for %u completions "
				    "with room for %u", min_complete, max);
	memset(c, 0, sizeof(*c) * max);
	err = dev->ops->reap(dev, c, max, min_complete, timeout_ms, &count);
	return err ? err : (int)count;
}

LIBDMA_EXPORT int libdma_reap(struct libdma_device *dev,
			      struct libdma_completion *completions,
			      unsigned int max, unsigned int min_complete,
			      int timeout_ms)
{
	return LIBDMA_KEEP_ERRNO(reap(dev, completions, max, min_complete,
				      timeout_ms));
}

static int cancel(struct libdma_device *dev, uint64_t id)
{
	unsigned int count = 0;
	int err = async_require(dev);

	if (err)
		return err;
	err = dev->ops->cancel(dev, id, &count);
	return err ? err : (int)count;
}

LIBDMA_EXPORT int libdma_cancel(struct libdma_device *dev, uint64_t id)
{
	return LIBDMA_KEEP_ERRNO(cancel(dev, id));
}

LIBDMA_EXPORT int libdma_pollfd(struct libdma_device *dev)
{
	int err = async_require(dev);

	return LIBDMA_KEEP_ERRNO(err ? err : dev->ops->pollfd(dev));
}
