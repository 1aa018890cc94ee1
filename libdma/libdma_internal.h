/* SPDX-License-Identifier: MIT */
/*
 * libdma - private definitions shared by the library's files (and by the
 * host unit tests, which link the static library and poke at these).
 *
 *   error.c           thread-local last-error message, libdma_strerror()
 *   version.c         libdma_version*()
 *   spec.c            parsing "0" / "/dev/edudma0" / "0000:00:04.0" / "vfio:..."
 *   discover.c        libudev discovery of edudma devices, libdma_list()
 *   device.c          open/close/info, handle lifetime (magic + refcount)
 *   node_open.c       opening a node, with messages for EACCES/ENOENT
 *   buffer.c          alloc/free/register/unregister, dma-buf export/import
 *   region.c          argument checks of regions (pure functions)
 *   transfer.c        to/from device, copy
 *   selftest.c        interrupt self-test, factorial unit (API 1.1), and
 *                     the backend's lab operation for measure/lab.c
 *   measure/          the throughput benchmark (API 1.2) and the contiguity
 *                     lab (API 1.3), on top of the public calls
 *   backend_kernel.c  the kernel-driver backend: every ioctl lives here
 *   vfio/             the VFIO backend (vfio/vfio_internal.h lists its files)
 */
#ifndef LIBDMA_INTERNAL_H
#define LIBDMA_INTERNAL_H

#include <errno.h>
#include <stdbool.h>

#include "libdma.h"

/* Marks the definitions of public functions; everything else is hidden. */
#define LIBDMA_EXPORT __attribute__((visibility("default")))

/*
 * Public functions leave errno alone even though the system calls and
 * libudev calls inside them do not: wrap the body's result in this.
 */
#define LIBDMA_KEEP_ERRNO(expr) ({			\
	int saved_errno_ = errno;			\
	__typeof__(expr) result_ = (expr);		\
	errno = saved_errno_;				\
	result_;					\
})

/* ------------------------------------------------------------- error.c */

/* Set this thread's last-error message (printf style) and return 'err'. */
int libdma__fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------- objects */

#define LIBDMA_DEVICE_LIVE	0x45444d41u	/* "EDMA": open */
#define LIBDMA_DEVICE_CLOSED	0x45444d43u	/* closed, buffers still hold it */
#define LIBDMA_BUFFER_LIVE	0x45444d42u	/* "EDMB" */
#define LIBDMA_OBJECT_DEAD	0xdeadd0a1u	/* written just before free() */

struct libdma_backend_ops;

struct libdma_device {
	unsigned int magic;		/* LIBDMA_DEVICE_*, accessed atomically */
	int refs;			/* the user's handle + one per buffer */
	const struct libdma_backend_ops *ops;
	void *backend;			/* the backend's private state */
	struct libdma_info info;	/* taken at open; checks use it */
};

enum libdma_buffer_kind {
	LIBDMA_BUFFER_ALLOCATED,	/* coherent memory from the device */
	LIBDMA_BUFFER_REGISTERED,	/* the user's memory, pinned */
	LIBDMA_BUFFER_IMPORTED,		/* a dma-buf, mapped for the device;
					   ptr NULL: not mapped here */
};

struct libdma_buffer {
	unsigned int magic;		/* LIBDMA_BUFFER_LIVE, atomically */
	enum libdma_buffer_kind kind;
	struct libdma_device *dev;	/* holds a reference */
	void *ptr;
	size_t size;
	unsigned int access;		/* LIBDMA_ACCESS_* (allocated: RW) */
	uint64_t cookie;		/* the backend's name for it (handle) */
};

/* ------------------------------------------------------------ device.c */

/*
 * Create a device handle on 'ops' for 'spec'. The backend's open fills
 * dev->backend and dev->info. Used by libdma_open*() and by unit tests
 * with a fake backend.
 */
struct libdma_spec;
int libdma__device_open_with(const struct libdma_backend_ops *ops,
			     const struct libdma_spec *spec,
			     struct libdma_device **devp);

/* 0 if 'dev' is an open handle, else -EBADF with a message. */
int libdma__device_check(const struct libdma_device *dev);
/* 0 if the device announced 'feature', else -EOPNOTSUPP naming 'what'. */
int libdma__device_require(const struct libdma_device *dev, uint64_t feature,
			   const char *what);
void libdma__device_get(struct libdma_device *dev);
void libdma__device_put(struct libdma_device *dev);

/* 0 if 'buf' is a live buffer, else -EBADF with a message. */
int libdma__buffer_check(const struct libdma_buffer *buf);

/* ---------------------------------------------------------- selftest.c */

/*
 * The contiguity lab's one call into the backend (libdma/measure/lab.c):
 * measure 'cell' with 'iterations' timed runs (backend.h, op "lab"), or,
 * with 'cell' NULL, only say whether the backend has a lab. -EOPNOTSUPP
 * with a message when it has none.
 */
int libdma__lab_cell(struct libdma_device *dev, uint32_t iterations,
		     struct libdma_lab_cell *cell);

/* -------------------------------------------------------------- spec.c */

enum libdma_spec_kind {
	LIBDMA_SPEC_INDEX,	/* "0", "edudma0" */
	LIBDMA_SPEC_NODE,	/* "/dev/edudma0" */
	LIBDMA_SPEC_PCI,	/* "0000:00:04.0" */
	LIBDMA_SPEC_VFIO,	/* "vfio:0000:00:04.0" */
};

struct libdma_spec {
	enum libdma_spec_kind kind;
	unsigned int index;	/* INDEX */
	char text[128];		/* NODE: the path; PCI, VFIO: normalized address */
};

/* Parse a device spec; -EINVAL with a message if malformed. */
int libdma__spec_parse(const char *s, struct libdma_spec *spec);
/* "0:4.0", "00:04.0", "0000:00:04.0" -> "0000:00:04.0". -EINVAL if not one. */
int libdma__pci_normalize(const char *in, char *out, size_t len);

/* ------------------------------------------------------------ region.c */

/* What the device does with a region's memory. */
enum libdma_region_use {
	LIBDMA_DEVICE_READS,	/* to-device source, copy source */
	LIBDMA_DEVICE_WRITES,	/* from-device destination, copy destination */
};

/*
 * Validate a region for 'dev' before it reaches the backend: not NULL,
 * length > 0, exactly one of buf/addr, offset + length without overflow and
 * inside the buffer, buffer live and of this device (-EINVAL, or -EBADF
 * for a dead buffer), access allowed (-EACCES, like the driver).
 * 'name' ("source", "destination") goes into the message.
 */
int libdma__region_check(const struct libdma_device *dev,
			 const struct libdma_region *r,
			 enum libdma_region_use use, const char *name);

/* Do two valid regions share bytes? */
bool libdma__regions_overlap(const struct libdma_region *a,
			     const struct libdma_region *b);

/* ---------------------------------------------------------- discover.c */

/*
 * Find the device a spec of kind INDEX or PCI names, or describe the one
 * behind a character device number. -ENODEV with a message that says
 * whether the module is missing, no device is bound, or just not this one.
 */
int libdma__discover_find(const struct libdma_spec *spec,
			  struct libdma_device_desc *desc);
int libdma__discover_devnum(unsigned long long devnum,
			    struct libdma_device_desc *desc);
/* Explain why there is no device: -ENODEV and the message, or 0 if some exist. */
int libdma__discover_explain_absence(void);

/* --------------------------------------------------------- node_open.c */

/* open() a node read-write: the fd, or -errno with an explaining message. */
int libdma__node_open(const char *path);

#endif /* LIBDMA_INTERNAL_H */
