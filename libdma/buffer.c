// SPDX-License-Identifier: MIT
/*
 * Buffers: coherent memory the device allocates, the caller's memory
 * registered (pinned) with it, or a dma-buf imported into it (API 1.4).
 * All kinds are one object type so that a region can name any. Each buffer
 * holds a reference on its device. Allocated buffers can also be exported
 * as dma-bufs (a file descriptor, not an object of ours).
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
 * Mark 'buf' dead if it is a live buffer of 'kind' (ALLOCATED: also
 * IMPORTED, both are released with libdma_buffer_free()). Of two threads
 * racing to free one buffer, exactly one gets 0.
 */
static int buffer_retire(struct libdma_buffer *buf,
			 enum libdma_buffer_kind kind)
{
	unsigned int live = LIBDMA_BUFFER_LIVE;
	int err = libdma__buffer_check(buf);

	if (err)
		return err;
	if (kind == LIBDMA_BUFFER_ALLOCATED &&
	    buf->kind == LIBDMA_BUFFER_REGISTERED)
		return libdma__fail(-EINVAL, "buffer was registered, not "
				    "allocated: use libdma_buffer_unregister()");
	if (kind == LIBDMA_BUFFER_REGISTERED && buf->kind != kind)
		return libdma__fail(-EINVAL, "buffer was %s, not registered: "
				    "use libdma_buffer_free()",
				    buf->kind == LIBDMA_BUFFER_IMPORTED ?
				    "imported" : "allocated");
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
	if (buf->kind == LIBDMA_BUFFER_IMPORTED)
		err = buf->dev->ops->unimport(buf->dev, buf);
	else
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

/* ---------------------------------------------------------- dma-buf */

/* dma-buf needs the backend's operations and the driver's feature. */
static int require_dmabuf(const struct libdma_device *dev, const char *what)
{
	if (!dev->ops->export_buf || !dev->ops->import_buf)
		return libdma__fail(-EOPNOTSUPP, "%s: %s: the %s backend has no "
				    "dma-buf (VFIO drives the device from this "
				    "process, no kernel driver to share buffers "
				    "with others); open the device through the "
				    "edudma driver (/dev/edudma<N>) instead",
				    dev->info.node, what, dev->ops->name);
	if (!(dev->info.features & LIBDMA_FEAT_DMABUF))
		return libdma__fail(-EOPNOTSUPP, "%s: %s: the driver does not "
				    "announce dma-buf (LIBDMA_FEAT_DMABUF): a "
				    "driver older than this libdma, or a kernel "
				    "built without CONFIG_DMA_SHARED_BUFFER",
				    dev->info.node, what);
	return 0;
}

static int buffer_export(struct libdma_buffer *buf, unsigned int flags,
			 int *fdp)
{
	int err;

	if (!fdp)
		return libdma__fail(-EINVAL, "fdp is NULL");
	*fdp = -1;
	err = libdma__buffer_check(buf);
	if (err)
		return err;
	err = libdma__device_check(buf->dev);
	if (err)
		return err;
	if (flags & ~LIBDMA_EXPORT_WRITE)
		return libdma__fail(-EINVAL, "export flags 0x%x: only "
				    "LIBDMA_EXPORT_WRITE is known", flags);
	if (buf->kind == LIBDMA_BUFFER_REGISTERED)
		return libdma__fail(-EINVAL, "registered memory is not exported: "
				    "it is this process's own memory - share "
				    "it through udmabuf (a memfd), or export a "
				    "buffer from libdma_buffer_alloc()");
	if (buf->kind == LIBDMA_BUFFER_IMPORTED)
		return libdma__fail(-EINVAL, "an imported buffer is already a "
				    "dma-buf of another exporter: pass on (a dup "
				    "of) the fd it was imported from");
	err = require_dmabuf(buf->dev, "exporting a buffer");
	if (err)
		return err;
	return buf->dev->ops->export_buf(buf->dev, buf, flags, fdp);
}

LIBDMA_EXPORT int libdma_buffer_export(struct libdma_buffer *buf,
				       unsigned int flags, int *fdp)
{
	return LIBDMA_KEEP_ERRNO(buffer_export(buf, flags, fdp));
}

static int buffer_import(struct libdma_device *dev, int fd,
			 unsigned int access, struct libdma_buffer **bufp,
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
	if (fd < 0)
		return libdma__fail(-EBADF, "dma-buf fd %d is not a file "
				    "descriptor", fd);
	if (!access || (access & ~LIBDMA_ACCESS_RW))
		return libdma__fail(-EINVAL, "access 0x%x: give "
				    "LIBDMA_ACCESS_DEV_READ and/or "
				    "LIBDMA_ACCESS_DEV_WRITE, nothing else",
				    access);
	err = require_dmabuf(dev, "importing a dma-buf");
	if (err)
		return err;
	buf = buffer_new(dev, LIBDMA_BUFFER_IMPORTED);
	if (!buf)
		return libdma__fail(-ENOMEM, "out of memory for a buffer object");
	buf->access = access;
	memset(&local_stats, 0, sizeof(local_stats));
	err = dev->ops->import_buf(dev, fd, buf, &local_stats);
	if (err) {
		free(buf);
		return err;
	}
	if (stats)
		*stats = local_stats;
	buffer_publish(buf, bufp);
	return 0;
}

LIBDMA_EXPORT int libdma_buffer_import(struct libdma_device *dev, int fd,
				       unsigned int access,
				       struct libdma_buffer **bufp,
				       struct libdma_pin_stats *stats)
{
	return LIBDMA_KEEP_ERRNO(buffer_import(dev, fd, access, bufp, stats));
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
