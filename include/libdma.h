/* SPDX-License-Identifier: MIT */
/*
 * libdma - userspace library for the edudma driver (QEMU's "edu" PCI device).
 *
 * Find devices, open one, allocate device-coherent buffers or register your
 * own memory, and move data through the device's DMA engine.
 *
 *   struct libdma_device *dev;
 *   struct libdma_buffer *buf;
 *   struct libdma_region r;
 *
 *   if (libdma_open("0", &dev) < 0)          // or "/dev/edudma0", "0000:00:04.0"
 *           errx(1, "%s", libdma_errmsg());
 *   libdma_buffer_alloc(dev, 4096, &buf);
 *   memset(libdma_buffer_ptr(buf), 0x5a, 100);
 *   r = libdma_region_buffer(buf, 0, 100);
 *   libdma_transfer_to_device(dev, &r, 0, NULL);
 *   libdma_buffer_free(buf);
 *   libdma_close(dev);
 *
 * Conventions
 *   - Functions that can fail return 0 (or a non-negative count) on success
 *     and a negative errno value on failure. They never change errno.
 *   - After a failure, libdma_errmsg() gives a sentence saying what went
 *     wrong and, where the library can tell, how to fix it.
 *   - Output structures are zeroed by the library before being filled;
 *     optional output pointers may be NULL.
 *   - This header does not need the kernel's ABI header (uapi/edudma.h).
 *
 * Errors the library documents (libdma_strerror() explains each):
 *   -EINVAL     bad argument: NULL, zero length, offset + length overflows,
 *               region outside its buffer, buffer of another device,
 *               overlapping copy, unknown flags, malformed device spec
 *   -EBADF      object already closed/freed (see "Lifetime" below)
 *   -ENODEV     no such device, module not loaded, or device gone (removed)
 *   -ENOENT     device node missing from /dev; from the driver: it does not
 *               know the buffer's handle (a buffer of the wrong kind for
 *               the call is -EINVAL)
 *   -EACCES     no permission to open the node (join its group), or a
 *               registered or imported buffer used in a direction its
 *               access does not allow (the device writing one registered
 *               without LIBDMA_ACCESS_DEV_WRITE, reading one without
 *               LIBDMA_ACCESS_DEV_READ), or a dma-buf whose exporter
 *               refuses the access asked for
 *   -ENOTTY     not an edudma device, or the driver lacks that ioctl
 *   -EPROTO     the driver speaks an ABI version this library does not know
 *   -EOPNOTSUPP the driver or backend lacks the feature (see LIBDMA_FEAT_*)
 *   -ENOMEM     out of memory, RLIMIT_MEMLOCK reached (registered memory
 *               and coherent buffers are charged alike), or the device's
 *               limit on coherent memory (module parameter max_coherent)
 *   -EFAULT     the driver could not access user memory (unmapped,
 *               PROT_NONE, or read-only memory the device would write)
 *   -ERANGE     user memory the device cannot reach (beyond its DMA mask)
 *               and the system can neither remap it (IOMMU) nor bounce it
 *               through a pool the device reaches
 *   -ENOBUFS    the bounce buffer pool is full (other mappings hold it)
 *   -EINTR      a signal interrupted a transfer or copy (the stats say how
 *               much was done), an interrupt self-test or a factorial; the
 *               library never restarts these calls
 *   -ETIMEDOUT  the device did not complete a command in time
 *   -EIO        the device reported or caused an I/O error
 *   -EBUSY      the device or resource is busy
 *   -EPERM      the contiguity lab without CAP_SYS_ADMIN or the module
 *               parameter lab=1
 *   -E2BIG      a transfer or copy that would need more device commands
 *               than the driver plans in one call
 *
 * Thread safety
 *   - A device handle may be used from many threads at once: the driver
 *     serialises the DMA engine, the library keeps no shared mutable state
 *     besides reference counts (atomic).
 *   - A buffer may be used by many threads at once (as a region of
 *     concurrent transfers), but must not be freed while another thread
 *     uses it; likewise a device must not be closed while another thread is
 *     inside a call on it.
 *   - libdma_errmsg() is per thread.
 *
 * Lifetime
 *   - A buffer keeps its device's underlying file open: libdma_close() with
 *     buffers still allocated is allowed; the device can then no longer be
 *     used for transfers (-EBADF), but the buffers stay mapped and must still
 *     be freed, and the file is closed when the last one is.
 *   - Objects carry a magic number that closing/freeing destroys. A second
 *     close, or use after close, returns -EBADF as long as the object's memory
 *     has not been released: always for a closed device that still has
 *     buffers; for fully released objects the check reads freed memory, so it
 *     is a best effort (and tools like valgrind will report it). Passing
 *     NULL is always detected.
 */
#ifndef LIBDMA_H
#define LIBDMA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>	/* FILE, for libdma_bench_write(), libdma_lab_write() */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * API version of this header. The runtime version: libdma_version().
 *   1.0  discovery, devices, buffers, regions, transfers and copies
 *   1.1  libdma_irq_test(), libdma_factorial()
 *   1.2  the throughput benchmark: libdma_bench_*()
 *   1.3  the contiguity lab: libdma_lab_*()
 *   1.4  engines (libdma_info.engine, edu-sg), asynchronous requests:
 *        libdma_submit_*(), libdma_reap(), libdma_cancel(), libdma_pollfd();
 *        dma-buf: libdma_buffer_export(), libdma_buffer_import()
 */
#define LIBDMA_VERSION_MAJOR	1
#define LIBDMA_VERSION_MINOR	4
#define LIBDMA_VERSION		((LIBDMA_VERSION_MAJOR << 16) | LIBDMA_VERSION_MINOR)

/* Opaque objects. */
struct libdma_device;	/* an open device */
struct libdma_buffer;	/* memory the device can reach: allocated, registered
			   or imported (a dma-buf) */

/* How the device signals completion (libdma_device_desc, libdma_info). */
#define LIBDMA_IRQ_UNKNOWN	(-1)
#define LIBDMA_IRQ_NONE		0	/* polling */
#define LIBDMA_IRQ_INTX		1
#define LIBDMA_IRQ_MSI		2

/* What the open device supports (libdma_info.features). */
#define LIBDMA_FEAT_IRQ_TEST	(1ULL << 0)	/* interrupt self-test */
#define LIBDMA_FEAT_FACTORIAL	(1ULL << 1)	/* factorial unit */
#define LIBDMA_FEAT_COHERENT	(1ULL << 2)	/* libdma_buffer_alloc() */
#define LIBDMA_FEAT_TRANSFER	(1ULL << 3)	/* libdma_transfer_*() */
#define LIBDMA_FEAT_COPY	(1ULL << 4)	/* libdma_copy() */
#define LIBDMA_FEAT_PIN		(1ULL << 5)	/* libdma_buffer_register() */
#define LIBDMA_FEAT_USER_REGION	(1ULL << 6)	/* libdma_region_user() */
#define LIBDMA_FEAT_LAB		(1ULL << 7)	/* libdma_lab_run(): set while the module
						   parameter lab=1 is on (API 1.3) */
#define LIBDMA_FEAT_DMABUF	(1ULL << 8)	/* libdma_buffer_export(),
						   libdma_buffer_import() (API 1.4) */
#define LIBDMA_FEAT_ENGINE_INFO	(1ULL << 9)	/* libdma_info.engine ... from the
						   driver (API 1.4) */
#define LIBDMA_FEAT_ASYNC	(1ULL << 10)	/* libdma_submit_*() (API 1.4) */

/*
 * The DMA engine behind a device, libdma_info.engine (API 1.4; 0 from
 * drivers that do not say, which are edu-only).
 *   EDU    QEMU's edu: one command at a time through its 4 KiB buffer
 *   EDUSG  edu-sg: a descriptor ring, many commands in flight, copies
 *          memory to memory; TRANSFER's "window" is its on-card RAM
 */
#define LIBDMA_ENGINE_UNKNOWN	0
#define LIBDMA_ENGINE_EDU	1
#define LIBDMA_ENGINE_EDUSG	2

/* Who may touch registered memory (libdma_buffer_register()). */
#define LIBDMA_ACCESS_DEV_READ	(1U << 0)	/* device reads it: to-device, copy source */
#define LIBDMA_ACCESS_DEV_WRITE	(1U << 1)	/* device writes it: from-device, copy destination */
#define LIBDMA_ACCESS_RW	(LIBDMA_ACCESS_DEV_READ | LIBDMA_ACCESS_DEV_WRITE)

/* ---------------------------------------------------------------- library */

/**
 * libdma_version() - The library's API version at run time.
 *
 * Return: the version of the running libdma.so, encoded like
 * LIBDMA_VERSION (the version of this header, the one a program was built
 * with): (major << 16) | minor.
 */
unsigned int libdma_version(void);

/**
 * libdma_version_string() - The library's API version at run time, as text.
 *
 * Return: the runtime version (the one libdma_version() encodes) as a
 * string, "MAJOR.MINOR". Never NULL.
 */
const char *libdma_version_string(void);

/**
 * libdma_strerror() - Text for an error number.
 * @err: the error number, negative (as returned) or positive.
 *
 * Mentions what the error means for this library where that differs from
 * the plain C library text (the errors the library documents: the list at
 * the top of this header).
 *
 * Return: the text. Never NULL; valid until the next call in this thread.
 */
const char *libdma_strerror(int err);

/**
 * libdma_errmsg() - What the last failing call of this thread went wrong on.
 *
 * Description: one sentence about the most recent failing libdma call of
 * this thread (names the node, the group to join, the missing module...).
 * Successful calls leave it unchanged, except libdma_list(), which explains
 * an empty result here. Per thread: threads never see each other's
 * messages.
 *
 * Return: the sentence, "" when nothing has failed yet. Never NULL.
 */
const char *libdma_errmsg(void);

/* -------------------------------------------------------------- discovery */

/* libdma_device_desc.index, libdma_info.index of a device without a node. */
#define LIBDMA_INDEX_NONE	0xffffffffU

/* One device, as sysfs describes it (no need to open it). */
struct libdma_device_desc {
	unsigned int index;		/* N of /dev/edudma<N>; VFIO: LIBDMA_INDEX_NONE */
	char node[128];		/* "/dev/edudma0"; VFIO: "vfio:0000:00:04.0" */
	char pci_address[32];		/* "0000:00:04.0", "" if unknown */
	unsigned int version_major;	/* edu device version, 0 if unknown */
	unsigned int version_minor;
	uint32_t window_size;		/* bytes per DMA command, 0 if unknown */
	int irq_mode;			/* LIBDMA_IRQ_* */
	int numa_node;			/* -1 if none */
	uint32_t engine;		/* LIBDMA_ENGINE_* (API 1.4) */
	uint32_t reserved[7];
};

/**
 * libdma_list() - List the edu devices, as sysfs describes them.
 * @descs: the array to fill; may be NULL when @max is 0.
 * @max: how many entries @descs has room for; at most that many are filled.
 *
 * Lists the devices bound to the edudma driver, ordered by index, then the
 * edu devices bound to vfio-pci, ordered by PCI address (node
 * "vfio:<address>", what libdma_open() takes; index LIBDMA_INDEX_NONE;
 * version, window and interrupt mode unknown until opened). Opens none of
 * them.
 *
 * Return: how many devices exist - possibly more than @max, like
 * snprintf(). 0 when there are none, and then libdma_errmsg() says why
 * ("module edudma not loaded" or "no edu device bound to edudma").
 * A negative errno on failure (-EINVAL: @descs NULL with @max not 0).
 */
int libdma_list(struct libdma_device_desc *descs, size_t max);

/* ----------------------------------------------------------------- device */

/**
 * libdma_open() - Open a device.
 * @spec: which device: "0" (index), "/dev/edudma0" (node), "0000:00:04.0"
 *        (PCI address) or "vfio:<pci>" (a device bound to vfio-pci).
 * @devp: where the handle goes on success.
 *
 * @spec is one of::
 *
 *   "0"               index N of /dev/edudma<N> ("edudma0" works too)
 *   "/dev/edudma0"    a device node path
 *   "0000:00:04.0"    the PCI address (the domain may be omitted: "00:04.0")
 *   "vfio:<pci>"      the edu device at that PCI address, bound to vfio-pci,
 *                     driven from this process through VFIO and the IOMMU
 *                     (backend "vfio"; the same calls work on it)
 *
 * On success stores a handle through @devp; close it with libdma_close().
 *
 * A VFIO device handle belongs to the process that opened it (not to a
 * child after fork()); handles opened on one device in one process share
 * its container. The memory of VFIO buffers and registrations counts
 * against RLIMIT_MEMLOCK (-ENOMEM: raise ulimit -l).
 *
 * Return:
 * * 0: success, the handle stored through @devp.
 * * -ENODEV: no such device; libdma_errmsg() distinguishes "module edudma
 *   not loaded" from "no edu device bound to edudma". For "vfio:" also no
 *   IOMMU, not an edu, not bound to vfio-pci.
 * * -ENOENT: the device node is missing.
 * * -EACCES: no permission to open the node; the message names the node's
 *   group to join.
 * * -ENOTTY: not an edudma device.
 * * -EPROTO: the driver speaks an ABI version this library does not know.
 * * -EINVAL: a malformed spec.
 * * -EBUSY ("vfio:"): another process has the device (VFIO gives an IOMMU
 *   group to one process at a time), or its IOMMU group holds devices bound
 *   to other drivers (not viable).
 * * -EOPNOTSUPP ("vfio:"): vfio_iommu_type1 is missing.
 */
int libdma_open(const char *spec, struct libdma_device **devp);

/**
 * libdma_open_index() - Open a device by its index N, /dev/edudma<N>.
 * @index: N of /dev/edudma<N>.
 * @devp: where the handle goes on success.
 *
 * The same as libdma_open() with the spec "N" (the edudma driver, not
 * VFIO). See libdma_open().
 *
 * Return: 0, or a negative errno as for libdma_open(): -ENODEV, -ENOENT,
 * -EACCES, -ENOTTY, -EPROTO.
 */
int libdma_open_index(unsigned int index, struct libdma_device **devp);

/**
 * libdma_open_node() - Open a device by its node path.
 * @path: a device node path, "/dev/edudma0".
 * @devp: where the handle goes on success.
 *
 * The same as libdma_open() with a node path as the spec (the edudma
 * driver, not VFIO). See libdma_open().
 *
 * Return: 0, or a negative errno as for libdma_open(): -ENODEV, -ENOENT,
 * -EACCES, -ENOTTY, -EPROTO; -EINVAL for a NULL, empty or too long @path.
 */
int libdma_open_node(const char *path, struct libdma_device **devp);

/**
 * libdma_open_pci() - Open a device by its PCI address.
 * @pci_address: "0000:00:04.0" (the domain may be omitted: "00:04.0").
 * @devp: where the handle goes on success.
 *
 * The same as libdma_open() with a PCI address as the spec: the device
 * bound to the edudma driver at that address (for one bound to vfio-pci,
 * libdma_open() with "vfio:<pci>"). See libdma_open().
 *
 * Return: 0, or a negative errno as for libdma_open(): -ENODEV, -ENOENT,
 * -EACCES, -ENOTTY, -EPROTO; -EINVAL for a NULL or malformed address.
 */
int libdma_open_pci(const char *pci_address, struct libdma_device **devp);

/**
 * libdma_close() - Close a device handle.
 * @dev: the handle from libdma_open() or its kin.
 *
 * Buffers still allocated on it stay valid (see "Lifetime" at the top of
 * this header): they keep the device's file open and must still be freed;
 * the device can no longer be used for transfers.
 *
 * Return: 0, or -EBADF for NULL or an already closed handle.
 */
int libdma_close(struct libdma_device *dev);

/* Everything about an open device. */
struct libdma_info {
	char backend[16];		/* "kernel" (the edudma driver) or "vfio" */
	char node[128];		/* "/dev/edudma0"; VFIO: "vfio:0000:00:04.0" */
	char pci_address[32];		/* "" if unknown */
	unsigned int index;		/* N of /dev/edudma<N>; VFIO: LIBDMA_INDEX_NONE */
	int numa_node;			/* -1 if none */
	unsigned int abi_version;	/* driver ABI version; VFIO: 0 (none) */
	unsigned int version_major;	/* device version (edu or edu-sg) */
	unsigned int version_minor;
	uint32_t dev_ident;		/* raw identification register */
	uint64_t features;		/* LIBDMA_FEAT_* */
	int irq_mode;			/* LIBDMA_IRQ_* */
	unsigned int dma_mask_bits;	/* the device reaches addresses < 2^bits */
	uint32_t window_size;		/* usable bytes of the device buffer */
	uint32_t dev_buffer_size;	/* size of the device's internal buffer */
	uint64_t dev_buffer_addr;	/* device-side address of that buffer */
	uint64_t max_alloc;		/* largest libdma_buffer_alloc(), bytes */
	uint32_t timeout_ms;		/* default per-command timeout */
	/* API 1.4: */
	uint32_t engine;		/* LIBDMA_ENGINE_* */
	uint32_t max_cmd_length;	/* most bytes one device command moves */
	uint32_t ring_size;		/* descriptor ring entries, 0: none */
	uint32_t max_in_flight;		/* device commands in flight at once */
	uint32_t max_requests;		/* async requests submitted, not reaped */
	uint32_t reserved[10];
};

/**
 * libdma_get_info() - Everything about an open device.
 * @dev: the device.
 * @info: what to fill (zeroed first); must not be NULL.
 *
 * Queries the device freshly, not from a cache.
 *
 * Return: 0, or a negative errno (-EBADF for a NULL or closed @dev,
 * -EINVAL for a NULL @info).
 */
int libdma_get_info(struct libdma_device *dev, struct libdma_info *info);

/**
 * libdma_driver_abi_version() - The ABI version of the device's driver.
 * @dev: the device.
 *
 * The same as libdma_info.abi_version from libdma_get_info().
 *
 * Return: the driver's ABI version (positive; 0 for a VFIO device), or a
 * negative errno as for libdma_get_info().
 */
int libdma_driver_abi_version(struct libdma_device *dev);

/* ---------------------------------------------------------------- buffers */

/**
 * libdma_buffer_alloc() - Allocate a device-coherent buffer.
 * @dev: the device.
 * @size: bytes wanted, rounded up to whole pages; not 0.
 * @bufp: where the buffer goes on success.
 *
 * Allocates a device-coherent buffer of at least @size bytes (rounded up
 * to whole pages; it reads as zeros) and maps it into this process. Needs
 * LIBDMA_FEAT_COHERENT. On the kernel backend it is physically contiguous
 * memory from the driver. On a VFIO device it is anonymous memory mapped
 * IOVA-contiguous through the IOMMU: one device-visible segment whatever
 * the pages, no physical contiguity needed. Counts against RLIMIT_MEMLOCK,
 * like registered memory. Free it with libdma_buffer_free().
 *
 * Return: 0, or a negative errno: -EINVAL for size 0 (or a NULL @bufp),
 * -ENOMEM (out of memory, RLIMIT_MEMLOCK reached, or the device's limit on
 * coherent memory, module parameter max_coherent), -EOPNOTSUPP (no
 * LIBDMA_FEAT_COHERENT), -EBADF (a NULL or closed @dev).
 */
int libdma_buffer_alloc(struct libdma_device *dev, size_t size,
			struct libdma_buffer **bufp);

/**
 * libdma_buffer_free() - Unmap and free a buffer from libdma_buffer_alloc().
 * @buf: the buffer, from libdma_buffer_alloc() or libdma_buffer_import().
 *
 * Also releases an imported buffer: the device's mapping of the dma-buf
 * and the buffer's reference on it (API 1.4). The memory of an exported
 * buffer lives on while a dma-buf of it does. The object is released even
 * when the driver reports an error.
 *
 * Return: 0, or a negative errno: -EINVAL for a registered buffer (use
 * libdma_buffer_unregister()), -EBADF for NULL or a freed one, or what the
 * driver reported.
 */
int libdma_buffer_free(struct libdma_buffer *buf);

/* What registering user memory took (libdma_buffer_register()). */
struct libdma_pin_stats {
	uint32_t pages;			/* pages pinned */
	uint32_t cpu_segments;		/* physically contiguous runs */
	uint32_t dma_segments;		/* segments after DMA mapping */
	uint32_t reserved0;
	uint64_t pin_ns;		/* pinning the pages */
	uint64_t map_ns;		/* building and mapping the table */
	uint64_t reserved[2];
};

/**
 * libdma_buffer_register() - Register ordinary memory for DMA.
 * @dev: the device.
 * @addr: where the memory starts; any alignment.
 * @length: its length in bytes; any length but 0.
 * @access: who may touch it, LIBDMA_ACCESS_* (at least one):
 *          LIBDMA_ACCESS_DEV_READ (a source), LIBDMA_ACCESS_DEV_WRITE (a
 *          destination) or LIBDMA_ACCESS_RW.
 * @bufp: where the buffer goes on success.
 * @stats: what registering took (pages, segments, times); may be NULL.
 *
 * Registers [@addr, @addr + @length) for DMA: the driver pins it until
 * libdma_buffer_unregister(); the memory stays the caller's. A transfer or
 * copy that needs the direction @access does not give fails with -EACCES.
 * Needs LIBDMA_FEAT_PIN. Pinned pages count against RLIMIT_MEMLOCK
 * (-ENOMEM), like coherent buffers.
 *
 * Return: 0, or a negative errno: -EINVAL (@length 0, NULL @addr or @bufp,
 * a range that overflows, @access 0 or unknown bits), -ENOMEM (out of
 * memory or RLIMIT_MEMLOCK reached), -EFAULT (unmapped or PROT_NONE
 * memory, or read-only memory registered for device writes), -ERANGE
 * (memory beyond the device's DMA mask that the system can neither remap
 * nor bounce), -ENOBUFS (the bounce buffer pool is full), -EOPNOTSUPP (no
 * LIBDMA_FEAT_PIN, or a writable registration of file-backed page-cache
 * memory), -EBADF (a NULL or closed @dev).
 */
int libdma_buffer_register(struct libdma_device *dev, void *addr,
			   size_t length, unsigned int access,
			   struct libdma_buffer **bufp,
			   struct libdma_pin_stats *stats);

/**
 * libdma_buffer_unregister() - Unpin memory from libdma_buffer_register().
 * @buf: the registered buffer.
 *
 * The memory itself stays yours. The object is released even when the
 * driver reports an error.
 *
 * Return: 0, or a negative errno: -EINVAL for an allocated buffer (use
 * libdma_buffer_free()), -EBADF for NULL or a freed one, or what the
 * driver reported.
 */
int libdma_buffer_unregister(struct libdma_buffer *buf);

/**
 * libdma_buffer_ptr() - Where a buffer is mapped in this process.
 * @buf: an allocated or registered buffer.
 *
 * See libdma_buffer_size() for its length.
 *
 * Return: the address of the buffer's first byte; NULL for NULL or a freed
 * buffer, and for an imported buffer (libdma_buffer_import()), which
 * libdma does not map.
 */
void *libdma_buffer_ptr(const struct libdma_buffer *buf);

/**
 * libdma_buffer_size() - How many bytes a buffer has.
 * @buf: an allocated or registered buffer.
 *
 * See libdma_buffer_ptr() for where it is mapped.
 *
 * Return: the size in bytes (for allocated buffers: the page-rounded
 * size; for imported ones: the dma-buf's); 0 for NULL or a freed buffer.
 */
size_t libdma_buffer_size(const struct libdma_buffer *buf);

/* ----------------------------------------------------------- dma-buf (1.4) */

/* libdma_buffer_export() flags. */
#define LIBDMA_EXPORT_WRITE	(1U << 0)	/* importers may write (O_RDWR) */

/**
 * libdma_buffer_export() - Share an allocated buffer as a dma-buf.
 * @buf: a buffer from libdma_buffer_alloc().
 * @flags: 0 (importers may only read: the fd is O_RDONLY and a device
 *         mapping for writing is refused) or LIBDMA_EXPORT_WRITE.
 * @fdp: where the dma-buf file descriptor goes on success (-1 on failure).
 *
 * Makes a new dma-buf of the whole buffer: a file descriptor (O_CLOEXEC)
 * that V4L2 (V4L2_MEMORY_DMABUF), DRM (PRIME), libdma_buffer_import() of
 * any edudma device, or any other importer takes. Importers get their own
 * device mappings; mmap() of the fd maps the buffer (bracket CPU access
 * with DMA_BUF_IOCTL_SYNC while an importer has it mapped). The memory
 * lives until the last of: the buffer, the fd, every importer's
 * reference - libdma_buffer_free() may come first - and stays charged to
 * this process (RLIMIT_MEMLOCK) until then. Each call makes another
 * dma-buf; close each fd with close(). Needs LIBDMA_FEAT_DMABUF (the
 * kernel backend, a kernel with dma-buf); the VFIO backend has none.
 * API 1.4.
 *
 * Return:
 * * 0: success, the fd stored through @fdp.
 * * -EINVAL: a registered or imported buffer (only allocated ones are
 *   exported: share your own memory through udmabuf, pass an imported
 *   dma-buf's own fd on), unknown @flags, a NULL @fdp.
 * * -EMFILE, -ENFILE: no file descriptor left.
 * * -EOPNOTSUPP: no LIBDMA_FEAT_DMABUF (the VFIO backend; a driver or
 *   kernel without dma-buf).
 * * -ENODEV: the device is gone.
 * * -EBADF: a NULL or freed @buf, or its device closed.
 */
int libdma_buffer_export(struct libdma_buffer *buf, unsigned int flags,
			 int *fdp);

/**
 * libdma_buffer_import() - Make a dma-buf a buffer the device reaches.
 * @dev: the device.
 * @fd: a dma-buf file descriptor from any exporter (vgem or a GPU through
 *      PRIME, V4L2's VIDIOC_EXPBUF, udmabuf, libdma_buffer_export()).
 * @access: what the device may do with it, LIBDMA_ACCESS_* (at least one),
 *          as for libdma_buffer_register().
 * @bufp: where the buffer goes on success.
 * @stats: what the mapping took, may be NULL; only dma_segments (the
 *         segments of the device's mapping) is filled, the rest is 0.
 *
 * The driver attaches the dma-buf to the device and maps it for @access;
 * the buffer then names the whole dma-buf (libdma_buffer_size()) in
 * libdma_region_buffer() for transfers and copies, like allocated and
 * registered buffers. The buffer holds its own reference: @fd stays the
 * caller's and may be closed at once. It has no mapping in this process
 * (libdma_buffer_ptr() gives NULL): read and write the memory through the
 * exporter's mapping (mmap of @fd), bracketed by DMA_BUF_IOCTL_SYNC. A copy
 * between an imported buffer and another name of the same memory is not
 * recognised as overlapping. Release it with libdma_buffer_free(). Imported
 * memory is not charged to this process (its exporter owns it). Needs
 * LIBDMA_FEAT_DMABUF. API 1.4.
 *
 * Return:
 * * 0: success, the buffer stored through @bufp.
 * * -EBADF: @fd is not open (or a NULL or closed @dev).
 * * -EINVAL: @fd is not a dma-buf; @access 0 or unknown bits; a NULL @bufp.
 * * -EACCES: the exporter refuses the access (a read-only dma-buf imported
 *   with LIBDMA_ACCESS_DEV_WRITE).
 * * -ERANGE: the memory lies beyond the device's DMA mask and the system
 *   can neither remap nor bounce it.
 * * -ENODEV: the device is gone, or the dma-buf's exporter is (an
 *   exported buffer whose device was removed).
 * * -ENOMEM: out of memory.
 * * -EOPNOTSUPP: no LIBDMA_FEAT_DMABUF (the VFIO backend; a driver or
 *   kernel without dma-buf).
 */
int libdma_buffer_import(struct libdma_device *dev, int fd,
			 unsigned int access, struct libdma_buffer **bufp,
			 struct libdma_pin_stats *stats);

/* ---------------------------------------------------------------- regions */

/*
 * Memory taking part in a transfer or copy: 'length' bytes either at
 * 'offset' into 'buf' (addr NULL), or - with buf NULL - at user address
 * 'addr', which the driver pins and maps for that one call only
 * (LIBDMA_FEAT_USER_REGION). Build regions with the two helpers below.
 */
struct libdma_region {
	struct libdma_buffer *buf;
	void *addr;
	size_t offset;
	size_t length;
};

/**
 * libdma_region_buffer() - A region: bytes of a buffer.
 * @buf: an allocated, registered or imported buffer.
 * @offset: where the region starts, in bytes from the buffer's start.
 * @length: how many bytes.
 *
 * Nothing is checked here: the transfer or copy that uses the region does
 * (-EINVAL for length 0 or a region outside its buffer).
 *
 * Return: the region, @length bytes at @offset into @buf.
 */
static inline struct libdma_region
libdma_region_buffer(struct libdma_buffer *buf, size_t offset, size_t length)
{
	struct libdma_region r;

	r.buf = buf;
	r.addr = NULL;
	r.offset = offset;
	r.length = length;
	return r;
}

/**
 * libdma_region_user() - A region: plain memory, pinned for one call only.
 * @addr: where the memory starts.
 * @length: how many bytes.
 *
 * The driver pins and maps the memory for the one transfer or copy that
 * uses the region (needs LIBDMA_FEAT_USER_REGION; what it costs shows in
 * libdma_stats.setup_ns and pages). Nothing is checked here: the call that
 * uses the region does.
 *
 * Return: the region, @length bytes of plain memory at @addr.
 */
static inline struct libdma_region
libdma_region_user(void *addr, size_t length)
{
	struct libdma_region r;

	r.buf = NULL;
	r.addr = addr;
	r.offset = 0;
	r.length = length;
	return r;
}

/* -------------------------------------------------------------- transfers */

/* What a transfer or copy did; filled also when it failed part way. */
struct libdma_stats {
	uint64_t bytes;			/* bytes moved to completion */
	uint64_t commands;		/* device commands issued */
	uint64_t wall_ns;		/* whole call, in the driver */
	uint64_t device_ns;		/* commands start to completion, summed */
	uint64_t host_ns;		/* wall_ns - device_ns */
	uint64_t setup_ns;		/* pinning/mapping one-shot user regions */
	uint32_t pages;			/* pages pinned for one-shot regions */
	uint32_t dma_segments;		/* DMA segments walked */
	uint64_t reserved[4];
};

/**
 * libdma_transfer_to_device() - Move bytes from memory to the device buffer.
 * @dev: the device.
 * @src: the memory to read, from libdma_region_buffer() or
 *       libdma_region_user(); @src->length bytes move.
 * @dev_offset: where in the device buffer (< libdma_info.window_size).
 * @stats: what the transfer did, filled also when it failed part way; may
 *         be NULL.
 *
 * Moves @src->length bytes from memory to the device buffer at
 * @dev_offset. A length larger than the space from @dev_offset to the end
 * of the window streams through it chunk by chunk (the device keeps the
 * last chunk). Needs LIBDMA_FEAT_TRANSFER. A registered buffer needs
 * LIBDMA_ACCESS_DEV_READ. An interrupted call returns -EINTR (never
 * retried); @stats says how much was done. libdma_transfer_from_device()
 * moves bytes back.
 *
 * Return:
 * * 0: success.
 * * -EINVAL: a NULL or zero-length region, a region outside its buffer or
 *   of another device, @dev_offset outside the window.
 * * -EACCES: a registered buffer without LIBDMA_ACCESS_DEV_READ.
 * * -EINTR: a signal arrived (the command in flight was finished first).
 * * -ETIMEDOUT: the device did not complete a command in time.
 * * -EIO: the device reported or caused an I/O error, or is wedged by an
 *   earlier command that never finished.
 * * -E2BIG: the request would need more device commands than the driver
 *   plans in one call (e.g. a long transfer through a 1-byte space at the
 *   end of the window).
 * * -EFAULT, -ENOMEM, -ERANGE, -ENOBUFS: pinning a one-shot user region
 *   failed, as for libdma_buffer_register().
 * * -EOPNOTSUPP: the device lacks the feature.
 * * -ENODEV: the device is gone.
 * * -EBADF: a NULL, closed or freed object.
 */
int libdma_transfer_to_device(struct libdma_device *dev,
			      const struct libdma_region *src,
			      size_t dev_offset, struct libdma_stats *stats);

/**
 * libdma_transfer_from_device() - Move bytes from the device buffer to memory.
 * @dev: the device.
 * @dst: the memory to write, from libdma_region_buffer() or
 *       libdma_region_user(); @dst->length bytes move.
 * @dev_offset: where in the device buffer (< libdma_info.window_size).
 * @stats: what the transfer did, filled also when it failed part way; may
 *         be NULL.
 *
 * The way back of libdma_transfer_to_device(): moves @dst->length bytes
 * from the device buffer at @dev_offset to memory, streaming chunk by
 * chunk the same way. Needs LIBDMA_FEAT_TRANSFER. A registered buffer
 * needs LIBDMA_ACCESS_DEV_WRITE. An interrupted call returns -EINTR (never
 * retried). See libdma_transfer_to_device().
 *
 * Return: 0, or a negative errno as for libdma_transfer_to_device(), with
 * -EACCES for a registered buffer without LIBDMA_ACCESS_DEV_WRITE.
 */
int libdma_transfer_from_device(struct libdma_device *dev,
				const struct libdma_region *dst,
				size_t dev_offset, struct libdma_stats *stats);

/**
 * libdma_copy() - Copy memory to memory through the device.
 * @dev: the device.
 * @dst: where to copy to (memcpy()'s argument order).
 * @src: what to copy; @src->length bytes, which must equal @dst->length.
 * @stats: what the copy did, filled also when it failed part way; may be
 *         NULL.
 *
 * Copies @src->length bytes from @src to @dst through the device,
 * window-sized chunk by chunk. The lengths must be equal; the regions may
 * share a buffer but must not overlap. Needs LIBDMA_FEAT_COPY. An
 * interrupted call returns -EINTR (never retried); @stats says how much
 * was done.
 *
 * Return: 0, or a negative errno as for libdma_transfer_to_device(), where
 * -EINVAL also means unequal or overlapping regions, and -EACCES a
 * registered source without LIBDMA_ACCESS_DEV_READ or a registered
 * destination without LIBDMA_ACCESS_DEV_WRITE.
 */
int libdma_copy(struct libdma_device *dev, const struct libdma_region *dst,
		const struct libdma_region *src, struct libdma_stats *stats);

/* ------------------------------------------ asynchronous requests (1.4) */

/*
 * A transfer or copy that runs while the caller goes on: submit returns at
 * once with an id, libdma_reap() collects finished requests with their
 * result and stats, libdma_pollfd() gives a descriptor to poll()/epoll for
 * "a completion is ready". Everything the synchronous calls check is
 * checked at submit, with the same errors. Requests of every file and
 * process share the device: edu runs them back to back, edu-sg keeps many
 * in flight. Plain memory a request names (libdma_region_user) must stay
 * mapped until it is reaped; a buffer may be freed meanwhile (the driver
 * keeps its memory until the request is over). Each open device may have
 * libdma_info.max_requests requests submitted and not reaped (the
 * driver's max_requests); beyond that submit fails with -EAGAIN. Closing the device cancels what is in flight
 * and waits for it. Needs LIBDMA_FEAT_ASYNC (the kernel backend with a
 * driver that has it; not the VFIO backend: -EOPNOTSUPP).
 */
struct libdma_completion {
	uint64_t id;			/* what submit returned */
	uint64_t user_data;		/* what the caller gave to submit */
	int result;			/* 0, or -errno as the synchronous call's
					   (-ECANCELED: cancelled, -ENODEV: the
					   device went away) */
	uint32_t reserved0;
	struct libdma_stats stats;	/* wall_ns counts from submit */
};

/**
 * libdma_submit_copy() - Start a copy, without waiting for it.
 * @dev: the device.
 * @dst: where the bytes go, as for libdma_copy().
 * @src: where they come from; the same length as @dst.
 * @user_data: any value; libdma_reap() returns it with the completion.
 * @idp: where the request's id goes (for libdma_cancel()); may be NULL.
 *
 * Return: 0, or the errors of libdma_copy() that concern the arguments and
 * the memory (-EINVAL, -EACCES, -E2BIG, -EFAULT, -ENOMEM, -ERANGE,
 * -ENOBUFS, -ENODEV, -EBADF), -EAGAIN when the device's quota of
 * unreaped requests is used up (reap first), -EOPNOTSUPP without
 * LIBDMA_FEAT_ASYNC. API 1.4.
 */
int libdma_submit_copy(struct libdma_device *dev,
		       const struct libdma_region *dst,
		       const struct libdma_region *src, uint64_t user_data,
		       uint64_t *idp);

/**
 * libdma_submit_to_device() - Start a transfer to the device buffer.
 * @dev: the device.
 * @src: the memory to read, as for libdma_transfer_to_device().
 * @dev_offset: where in the device buffer (< libdma_info.window_size).
 * @user_data: returned with the completion.
 * @idp: where the request's id goes; may be NULL.
 *
 * Return: as libdma_submit_copy(). API 1.4.
 */
int libdma_submit_to_device(struct libdma_device *dev,
			    const struct libdma_region *src, size_t dev_offset,
			    uint64_t user_data, uint64_t *idp);

/**
 * libdma_submit_from_device() - Start a transfer from the device buffer.
 * @dev: the device.
 * @dst: the memory to write, as for libdma_transfer_from_device().
 * @dev_offset: where in the device buffer.
 * @user_data: returned with the completion.
 * @idp: where the request's id goes; may be NULL.
 *
 * Return: as libdma_submit_copy(). API 1.4.
 */
int libdma_submit_from_device(struct libdma_device *dev,
			      const struct libdma_region *dst, size_t dev_offset,
			      uint64_t user_data, uint64_t *idp);

/**
 * libdma_reap() - Collect finished requests.
 * @dev: the device.
 * @completions: where they go; @max entries.
 * @max: room in @completions, > 0.
 * @min_complete: wait until at least this many are ready (0: do not wait;
 *                at most @max). A wait for more than can come (ready +
 *                still in flight) returns what there is.
 * @timeout_ms: how long to wait at most, < 0: no limit.
 *
 * Return: the number of completions written (0 if none was ready), or a
 * negative errno: -ETIMEDOUT (fewer than @min_complete came in time;
 * nothing collected), -EINTR (a signal arrived), -EINVAL (@max 0,
 * @min_complete > @max, NULL @completions), -EOPNOTSUPP, -EBADF. Works
 * after the device was removed, so nothing submitted is lost. API 1.4.
 */
int libdma_reap(struct libdma_device *dev, struct libdma_completion *completions,
		unsigned int max, unsigned int min_complete, int timeout_ms);

/**
 * libdma_cancel() - Stop submitted requests.
 * @dev: the device.
 * @id: a request's id from submit; 0: every request of this device handle.
 *
 * Nothing more of the request starts; what the device has started lands;
 * it then completes with -ECANCELED (or 0 if all of it had started).
 *
 * Return: the number of requests stopped (>= 0), or -ENOENT (no such
 * request in flight: unknown, or finished already), -EOPNOTSUPP, -EBADF.
 * API 1.4.
 */
int libdma_cancel(struct libdma_device *dev, uint64_t id);

/**
 * libdma_pollfd() - A file descriptor that is readable while a completion waits.
 * @dev: the device.
 *
 * For poll(), select() or epoll (POLLIN / EPOLLIN; POLLHUP once the device
 * is gone). It belongs to @dev: do not close it, read it or write it.
 *
 * Return: the descriptor (>= 0), or -EOPNOTSUPP, -EBADF. API 1.4.
 */
int libdma_pollfd(struct libdma_device *dev);

/* ------------------------------------------------- device self-tests (1.1) */

/* What libdma_irq_test() raises when asked for value 0. */
#define LIBDMA_IRQ_TEST_DEFAULT	0x00010000U

/* What an interrupt self-test saw (libdma_irq_test()). */
struct libdma_irq_test_result {
	uint32_t seen;			/* status bits the handler acknowledged */
	uint32_t reserved0;
	uint64_t latency_ns;		/* raise to handler-seen */
	uint64_t reserved[2];
};

/**
 * libdma_irq_test() - Prove the interrupt path (MSI or INTx) end to end.
 * @dev: the device.
 * @value: the status bits to raise; 0: LIBDMA_IRQ_TEST_DEFAULT.
 * @result: the bits the handler saw and the latency; may be NULL.
 *
 * Makes the device raise its interrupt with the status bits @value and
 * waits, up to the driver's timeout, until the interrupt handler has seen
 * them. Bits 0x00000001 and 0x00000100 belong to the driver (factorial and
 * DMA completion) and are refused. Needs LIBDMA_FEAT_IRQ_TEST. API 1.1.
 *
 * Return: 0, or a negative errno: -EINVAL (a refused bit), -ETIMEDOUT when
 * the handler never saw the bits (@result->seen then says what it did
 * see), -EINTR when a signal arrived first, -EOPNOTSUPP (no
 * LIBDMA_FEAT_IRQ_TEST), -EBADF (a NULL or closed @dev).
 */
int libdma_irq_test(struct libdma_device *dev, uint32_t value,
		    struct libdma_irq_test_result *result);

/* libdma_factorial() flags. */
#define LIBDMA_FACT_POLL	(1U << 0)	/* poll the busy bit, no interrupt */

/* What the factorial unit computed (libdma_factorial()). */
struct libdma_factorial_result {
	uint32_t value;			/* n! modulo 2^32 */
	uint32_t by_irq;		/* 1 if completion came by interrupt */
	uint64_t elapsed_ns;		/* start to completion */
	uint64_t reserved[2];
};

/**
 * libdma_factorial() - Run the device's factorial unit.
 * @dev: the device.
 * @n: the number whose factorial to compute.
 * @flags: 0, or LIBDMA_FACT_POLL.
 * @result: what the unit computed and how; must not be NULL.
 *
 * The result is @n! modulo 2^32 (the unit is 32 bits wide). The call
 * sleeps until the completion interrupt, or with LIBDMA_FACT_POLL polls
 * the unit's busy bit instead. Needs LIBDMA_FEAT_FACTORIAL. API 1.1.
 *
 * Return: 0, or a negative errno: -EINVAL for unknown flags (or a NULL
 * @result), -ETIMEDOUT when the unit does not finish, -EINTR when a signal
 * arrived first, -EOPNOTSUPP (no LIBDMA_FEAT_FACTORIAL), -EBADF (a NULL or
 * closed @dev).
 */
int libdma_factorial(struct libdma_device *dev, uint32_t n, unsigned int flags,
		     struct libdma_factorial_result *result);

/* ============================================================ benchmark (1.2)
 * The throughput benchmark, libdma_bench_*(): include/libdma/bench.h.
 */
#include <libdma/bench.h>

/* ================================================================ lab (1.3)
 * The contiguity lab, libdma_lab_*(): include/libdma/lab.h.
 */
#include <libdma/lab.h>

#ifdef __cplusplus
}
#endif

#endif /* LIBDMA_H */
