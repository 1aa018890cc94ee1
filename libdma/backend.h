/* SPDX-License-Identifier: MIT */
/*
 * libdma - the contract between the generic library and a backend.
 *
 * The generic layer (device.c, buffer.c, transfer.c) checks every argument,
 * object and feature, and keeps the error message; a backend only talks to
 * its device. Two backends: the edudma kernel driver (backend_kernel.c)
 * and VFIO (vfio/: the edu registers driven from this process
 * through vfio-pci and an IOMMU, for "vfio:<pci address>" specs).
 *
 * Every operation returns 0 or -errno and sets the error message itself
 * when it fails (libdma__fail), since only it knows what it was doing.
 */
#ifndef LIBDMA_BACKEND_H
#define LIBDMA_BACKEND_H

#include "libdma_internal.h"

enum libdma_direction {
	LIBDMA_TO_DEVICE,
	LIBDMA_FROM_DEVICE,
};

struct libdma_backend_ops {
	const char *name;	/* libdma_info.backend */

	/*
	 * Open the device 'spec' names: set dev->backend and fill dev->info
	 * (features, window size... used by the generic checks). On failure
	 * leave nothing open.
	 */
	int (*open)(struct libdma_device *dev, const struct libdma_spec *spec);
	/* Let go of everything open() took. Called once, on the last reference. */
	void (*release)(struct libdma_device *dev);
	/* Query the device afresh (libdma_get_info). 'info' is zeroed. */
	int (*query_info)(struct libdma_device *dev, struct libdma_info *info);

	/*
	 * Coherent buffers: alloc sets buf->ptr, buf->size (>= size) and
	 * buf->cookie; free undoes it (the object itself is the caller's).
	 */
	int (*alloc)(struct libdma_device *dev, size_t size,
		     struct libdma_buffer *buf);
	int (*free)(struct libdma_device *dev, struct libdma_buffer *buf);

	/*
	 * Registered memory: buf->ptr, size and access are set; pin sets
	 * buf->cookie and fills 'stats' (zeroed, never NULL).
	 */
	int (*pin)(struct libdma_device *dev, struct libdma_buffer *buf,
		   struct libdma_pin_stats *stats);
	int (*unpin)(struct libdma_device *dev, struct libdma_buffer *buf);

	/*
	 * dma-buf (API 1.4); NULL when the backend has none (-EOPNOTSUPP).
	 * export: a new dma-buf fd of an allocated buffer ('flags' are
	 * LIBDMA_EXPORT_*, checked). import: 'buf' has access set; set
	 * buf->size and buf->cookie, fill stats->dma_segments ('stats' zeroed,
	 * never NULL). unimport: drop what import took.
	 */
	int (*export_buf)(struct libdma_device *dev, struct libdma_buffer *buf,
			  unsigned int flags, int *fdp);
	int (*import_buf)(struct libdma_device *dev, int fd,
			  struct libdma_buffer *buf,
			  struct libdma_pin_stats *stats);
	int (*unimport)(struct libdma_device *dev, struct libdma_buffer *buf);

	/*
	 * Data movement on checked regions. 'stats' is zeroed and never NULL;
	 * fill it also on partial failure. Never retry on EINTR.
	 */
	int (*transfer)(struct libdma_device *dev, enum libdma_direction dir,
			const struct libdma_region *mem, size_t dev_offset,
			struct libdma_stats *stats);
	int (*copy)(struct libdma_device *dev, const struct libdma_region *dst,
		    const struct libdma_region *src,
		    struct libdma_stats *stats);

	/*
	 * Device self-tests (API 1.1); NULL when the backend has none
	 * (-EOPNOTSUPP). 'result' is zeroed and never NULL; irq_test fills
	 * it also when it fails (what the handler did see). Never retry on
	 * EINTR.
	 */
	int (*irq_test)(struct libdma_device *dev, uint32_t value,
			struct libdma_irq_test_result *result);
	int (*factorial)(struct libdma_device *dev, uint32_t n,
			 unsigned int flags,
			 struct libdma_factorial_result *result);

	/*
	 * Asynchronous requests (API 1.4) on checked regions; NULL when the
	 * backend has none (-EOPNOTSUPP). submit: 'dir' for a transfer
	 * (mem = the region), or a copy when 'dst' is set. reap: *count
	 * filled; timeout_ms < 0 no limit.
	 */
	int (*submit)(struct libdma_device *dev, const struct libdma_region *dst,
		      const struct libdma_region *src, enum libdma_direction dir,
		      size_t dev_offset, uint64_t user_data, uint64_t *id);
	int (*reap)(struct libdma_device *dev, struct libdma_completion *c,
		    unsigned int max, unsigned int min_complete, int timeout_ms,
		    unsigned int *count);
	int (*cancel)(struct libdma_device *dev, uint64_t id, unsigned int *count);
	int (*pollfd)(struct libdma_device *dev);

	/*
	 * The contiguity lab (API 1.3): measure one cell. 'cell' names the
	 * experiment, allocator / pattern / mapping and size (checked by
	 * lab.c); the backend fills the figures (ns_*, checksum, pages,
	 * cpu_segments, dma_segments) or returns -errno with the message set:
	 * -EPERM saying how to enable the lab, -E2BIG / -ENOMEM / -ERANGE
	 * for what the cell cannot have (lab.c notes them in the cell).
	 * NULL when the backend has no lab (-EOPNOTSUPP).
	 */
	int (*lab)(struct libdma_device *dev, uint32_t iterations,
		   struct libdma_lab_cell *cell);
};

/* transfer.c: the arguments of a transfer or copy, for both call paths */
int libdma__transfer_args_check(struct libdma_device *dev,
				enum libdma_direction dir,
				const struct libdma_region *mem,
				size_t dev_offset);
int libdma__copy_args_check(struct libdma_device *dev,
			    const struct libdma_region *dst,
			    const struct libdma_region *src);

/* backend_kernel.c */
extern const struct libdma_backend_ops libdma__kernel_backend;
/* vfio/vfio_open.c */
extern const struct libdma_backend_ops libdma__vfio_backend;

#endif /* LIBDMA_BACKEND_H */
