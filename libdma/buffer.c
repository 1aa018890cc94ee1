// SPDX-License-Identifier: MIT
/*
 * Buffers: coherent memory the device allocates, or the caller's memory
 * registered (pinned) with it. Both kinds are one object type so that a
 * region can name either. Each buffer holds a reference on its device.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

int libdma__buffer_check(const struct libdma_buffer *buf)
{
	if (!buf)
		return libdma__fail(-EBADF, "buffer is NULL");
	if (__atomic_load_n(&buf->magic, __ATOMIC_ACQUIRE) != LIBDMA_BUFFER_LIVE)
		return libdma__fail(-EBADF, "not a live libdma buffer "
				    "(already freed, or never allocated)");
	return 0;
}

static struct libdma_buffer *buffer_new(struct libdma_device *dev,
					enum libdma_buffer_kind kind)
{
	struct libdma_buffer *buf = calloc(1, sizeof(*buf));

	if (!buf)
		return NULL;
	buf->kind = kind;
	buf->dev = dev;
	return buf;
}

/* Make a filled-in buffer visible to the user; it now holds its device. */
static void buffer_publish(struct libdma_buffer *buf,
			   struct libdma_buffer **bufp)
{
	libdma__device_get(buf->dev);
	__atomic_store_n(&buf->magic, LIBDMA_BUFFER_LIVE, __ATOMIC_RELEASE);
	*bufp = buf;
}

/*
 * Mark 'buf' dead if it is a live buffer of 'kind'. Of two threads racing
 * to free one buffer, exactly one gets 0.
 */
static int buffer_retire(struct libdma_buffer *buf,
			 enum libdma_buffer_kind kind)
{
	unsigned int live = LIBDMA_BUFFER_LIVE;
	int err = libdma__buffer_check(buf);

	if (err)
		return err;
	if (buf->kind != kind)
		return libdma__fail(-EINVAL, kind == LIBDMA_BUFFER_ALLOCATED ?
				    "buffer was registered, not allocated: use "
				    "libdma_buffer_unregister()" :
				    "buffer was allocated, not registered: use "
				    "libdma_buffer_free()");
	if (!__atomic_compare_exchange_n(&buf->magic, &live, LIBDMA_OBJECT_DEAD,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return libdma__fail(-EBADF, "buffer was already freed");
	return 0;
}

/* Free the object and let go of its device (possibly closing it). */
static void buffer_destroy(struct libdma_buffer *buf)
{
	struct libdma_device *dev = buf->dev;

	free(buf);
	libdma__device_put(dev);
}

static int buffer_alloc(struct libdma_device *dev, size_t size,
			struct libdma_buffer **bufp)
{
	struct libdma_buffer *buf;
	int err;

	if (!bufp)
		return libdma__fail(-EINVAL, "bufp is NULL");
	*bufp = NULL;
	err = libdma__device_check(dev);
	if (err)
		return err;
	if (size == 0)
		return libdma__fail(-EINVAL, "buffer size is 0");
	err = libdma__device_require(dev, LIBDMA_FEAT_COHERENT,
				     "coherent buffer allocation");
	if (err)
		return err;
	buf = buffer_new(dev, LIBDMA_BUFFER_ALLOCATED);
	if (!buf)
		return libdma__fail(-ENOMEM, "out of memory for a buffer object");
	buf->access = LIBDMA_ACCESS_RW;
	err = dev->ops->alloc(dev, size, buf);
	if (err) {
		free(buf);
		return err;
	}
	buffer_publish(buf, bufp);
	return 0;
}

LIBDMA_EXPORT int libdma_buffer_alloc(struct libdma_device *dev, size_t size,
				      struct libdma_buffer **bufp)
{
	return LIBDMA_KEEP_ERRNO(buffer_alloc(dev, size, bufp));
}

static int buffer_free(struct libdma_buffer *buf)
{
	int err = buffer_retire(buf, LIBDMA_BUFFER_ALLOCATED);

	if (err)
		return err;
	err = buf->dev->ops->free(buf->dev, buf);
	buffer_destroy(buf);
	return err;
}

LIBDMA_EXPORT int libdma_buffer_free(struct libdma_buffer *buf)
{
	return LIBDMA_KEEP_ERRNO(buffer_free(buf));
}

static int buffer_register(struct libdma_device *dev, void *addr,
			   size_t length, unsigned int access,
			   struct libdma_buffer **bufp,
			   struct libdma_pin_stats *stats)
{
	struct libdma_pin_stats local_stats;
	struct libdma_buffer *buf;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!bufp)
		return libdma__fail(-EINVAL, "bufp is NULL");
	*bufp = NULL;
	err = libdma__device_check(dev);
	if (err)
		return err;
	if (!addr)
		return libdma__fail(-EINVAL, "address to register is NULL");
	if (length == 0)
		return libdma__fail(-EINVAL, "length to register is 0");
	if ((uintptr_t)addr > UINTPTR_MAX - length)
		return libdma__fail(-EINVAL, "address %p + length %zu overflows",
				    addr, length);
	if (!access || (access & ~LIBDMA_ACCESS_RW))
		return libdma__fail(-EINVAL, "access 0x%x: give "
				    "LIBDMA_ACCESS_DEV_READ and/or "
				    "LIBDMA_ACCESS_DEV_WRITE, nothing else",
				    access);
	err = libdma__device_require(dev, LIBDMA_FEAT_PIN,
				     "registering user memory");
	if (err)
		return err;
	buf = buffer_new(dev, LIBDMA_BUFFER_REGISTERED);
	if (!buf)
		return libdma__fail(-ENOMEM, "out of memory for a buffer object");
	buf->ptr = addr;
	buf->size = length;
	buf->access = access;
	memset(&local_stats, 0, sizeof(local_stats));
	err = dev->ops->pin(dev, buf, &local_stats);
	if (err) {
		free(buf);
		return err;
	}
	if (stats)
		*stats = local_stats;
	buffer_publish(buf, bufp);
	return 0;
}

LIBDMA_EXPORT int libdma_buffer_register(struct libdma_device *dev, void *addr,
					 size_t length, unsigned int access,
					 struct libdma_buffer **bufp,
					 struct libdma_pin_stats *stats)
{
	return LIBDMA_KEEP_ERRNO(buffer_register(dev, addr, length, access,
						 bufp, stats));
}

static int buffer_unregister(struct libdma_buffer *buf)
{
	int err = buffer_retire(buf, LIBDMA_BUFFER_REGISTERED);

	if (err)
		return err;
	err = buf->dev->ops->unpin(buf->dev, buf);
	buffer_destroy(buf);
	return err;
}

LIBDMA_EXPORT int libdma_buffer_unregister(struct libdma_buffer *buf)
{
	return LIBDMA_KEEP_ERRNO(buffer_unregister(buf));
}

LIBDMA_EXPORT void *libdma_buffer_ptr(const struct libdma_buffer *buf)
{
	if (!buf || __atomic_load_n(&buf->magic, __ATOMIC_ACQUIRE) !=
		    LIBDMA_BUFFER_LIVE)
		return NULL;
	return buf->ptr;
}

LIBDMA_EXPORT size_t libdma_buffer_size(const struct libdma_buffer *buf)
{
	if (!buf || __atomic_load_n(&buf->magic, __ATOMIC_ACQUIRE) !=
		    LIBDMA_BUFFER_LIVE)
		return 0;
	return buf->size;
}
