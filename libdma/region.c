// SPDX-License-Identifier: MIT
/*
 * Region checks done before anything reaches the backend. They exist to
 * give a clear message early; the driver checks everything again and is
 * the authority. Pure functions: the host tests call them with fake
 * buffers.
 */
#include <stdint.h>

#include "libdma_internal.h"

static const char *buffer_made(const struct libdma_buffer *buf)
{
	return buf->kind == LIBDMA_BUFFER_IMPORTED ? "imported" : "registered";
}

static int check_buffer_region(const struct libdma_device *dev,
			       const struct libdma_region *r,
			       enum libdma_region_use use, const char *name)
{
	const struct libdma_buffer *buf = r->buf;
	int err = libdma__buffer_check(buf);

	if (err)
		return err;
	if (r->addr)
		return libdma__fail(-EINVAL, "%s region names both a buffer and "
				    "a user address; use one", name);
	if (buf->dev != dev)
		return libdma__fail(-EINVAL, "%s buffer belongs to another "
				    "device (%s), not %s", name,
				    buf->dev->info.node, dev->info.node);
	if (r->offset > SIZE_MAX - r->length)
		return libdma__fail(-EINVAL, "%s region: offset %zu + length %zu "
				    "overflows", name, r->offset, r->length);
	if (r->offset + r->length > buf->size)
		return libdma__fail(-EINVAL, "%s region [%zu, %zu) lies outside "
				    "its %zu-byte buffer", name, r->offset,
				    r->offset + r->length, buf->size);
	/* -EACCES, as the driver answers for a pinned range used this way. */
	if (use == LIBDMA_DEVICE_READS && !(buf->access & LIBDMA_ACCESS_DEV_READ))
		return libdma__fail(-EACCES, "%s buffer was %s without "
				    "LIBDMA_ACCESS_DEV_READ, the device may not "
				    "read it", name, buffer_made(buf));
	if (use == LIBDMA_DEVICE_WRITES && !(buf->access & LIBDMA_ACCESS_DEV_WRITE))
		return libdma__fail(-EACCES, "%s buffer was %s without "
				    "LIBDMA_ACCESS_DEV_WRITE, the device may not "
				    "write it", name, buffer_made(buf));
	return 0;
}

static int check_user_region(const struct libdma_device *dev,
			     const struct libdma_region *r, const char *name)
{
	uintptr_t addr = (uintptr_t)r->addr;

	if (!r->addr)
		return libdma__fail(-EINVAL, "%s region names neither a buffer "
				    "nor a user address", name);
	if (r->offset)
		return libdma__fail(-EINVAL, "%s user region has an offset "
				    "(%zu); fold it into the address", name,
				    r->offset);
	if (addr > UINTPTR_MAX - r->length)
		return libdma__fail(-EINVAL, "%s user region: address %p + "
				    "length %zu overflows", name, r->addr,
				    r->length);
	return libdma__device_require(dev, LIBDMA_FEAT_USER_REGION,
				      "one-shot user memory regions");
}

int libdma__region_check(const struct libdma_device *dev,
			 const struct libdma_region *r,
			 enum libdma_region_use use, const char *name)
{
	if (!r)
		return libdma__fail(-EINVAL, "%s region is NULL", name);
	if (r->length == 0)
		return libdma__fail(-EINVAL, "%s region has length 0", name);
	if (r->buf)
		return check_buffer_region(dev, r, use, name);
	return check_user_region(dev, r, name);
}

/* Where a valid region starts in the process's address space. */
static uintptr_t region_start(const struct libdma_region *r)
{
	if (r->buf)
		return (uintptr_t)r->buf->ptr + r->offset;
	return (uintptr_t)r->addr;
}

/*
 * Overlap by virtual address covers every case: two regions of one buffer,
 * a user region inside a buffer's mapping, a buffer registered twice.
 * Imported buffers have no address here: only two regions of the same one
 * are compared (by offset); another name of the same memory (the buffer it
 * was exported from) is not recognised, as in the driver.
 */
bool libdma__regions_overlap(const struct libdma_region *a,
			     const struct libdma_region *b)
{
	uintptr_t a0, b0;

	if ((a->buf && a->buf->kind == LIBDMA_BUFFER_IMPORTED) ||
	    (b->buf && b->buf->kind == LIBDMA_BUFFER_IMPORTED))
		return a->buf == b->buf && a->offset < b->offset + b->length &&
		       b->offset < a->offset + a->length;
	a0 = region_start(a);
	b0 = region_start(b);

	return a0 < b0 + b->length && b0 < a0 + a->length;
}
