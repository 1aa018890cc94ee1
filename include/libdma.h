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
 *               registered buffer used in a direction its access does not
 *               allow (the device writing one registered without
 *               LIBDMA_ACCESS_DEV_WRITE, reading one without
 *               LIBDMA_ACCESS_DEV_READ)
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
 */
#define LIBDMA_VERSION_MAJOR	1
#define LIBDMA_VERSION_MINOR	3
#define LIBDMA_VERSION		((LIBDMA_VERSION_MAJOR << 16) | LIBDMA_VERSION_MINOR)

/* Opaque objects. */
struct libdma_device;	/* an open device */
struct libdma_buffer;	/* memory the device can reach: allocated or registered */

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

/* Who may touch registered memory (libdma_buffer_register()). */
#define LIBDMA_ACCESS_DEV_READ	(1U << 0)	/* device reads it: to-device, copy source */
#define LIBDMA_ACCESS_DEV_WRITE	(1U << 1)	/* device writes it: from-device, copy destination */
#define LIBDMA_ACCESS_RW	(LIBDMA_ACCESS_DEV_READ | LIBDMA_ACCESS_DEV_WRITE)

/* ---------------------------------------------------------------- library */

/* Runtime version, encoded like LIBDMA_VERSION: (major << 16) | minor. */
unsigned int libdma_version(void);

/* Runtime version as a string, "MAJOR.MINOR". Never NULL. */
const char *libdma_version_string(void);

/*
 * Text for an error number, negative (as returned) or positive. Mentions
 * what the error means for this library where that differs from the plain
 * C library text. Never NULL; valid until the next call in this thread.
 */
const char *libdma_strerror(int err);

/*
 * What the most recent failing libdma call of this thread went wrong on, in
 * one sentence (names the node, the group to join, the missing module...).
 * "" when nothing has failed yet. Successful calls leave it unchanged, except
 * libdma_list(), which explains an empty result here. Never NULL.
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
	uint32_t reserved[8];
};

/*
 * List the devices bound to the edudma driver, ordered by index, then the
 * edu devices bound to vfio-pci, ordered by PCI address (node
 * "vfio:<address>", what libdma_open() takes; index LIBDMA_INDEX_NONE;
 * version, window and interrupt mode unknown until opened). Fills at
 * most 'max' entries of 'descs' (which may be NULL when max is 0) and returns
 * how many devices exist - possibly more than 'max', like snprintf. Returns
 * 0 when there are none, and then libdma_errmsg() says why ("module edudma
 * not loaded" or "no edu device bound to edudma"). -errno on failure.
 */
int libdma_list(struct libdma_device_desc *descs, size_t max);

/* ----------------------------------------------------------------- device */

/*
 * Open a device. 'spec' is one of
 *   "0"               index N of /dev/edudma<N> ("edudma0" works too)
 *   "/dev/edudma0"    a device node path
 *   "0000:00:04.0"    the PCI address (the domain may be omitted: "00:04.0")
 *   "vfio:<pci>"      the edu device at that PCI address, bound to vfio-pci,
 *                     driven from this process through VFIO and the IOMMU
 *                     (backend "vfio"; the same calls work on it)
 * On success stores a handle in *devp and returns 0. Fails with -ENODEV (no
 * such device; libdma_errmsg() distinguishes "module edudma not loaded" from
 * "no edu device bound to edudma"), -ENOENT (node missing), -EACCES (the
 * message names the node's group to join), -ENOTTY (not an edudma device),
 * -EPROTO (unknown driver ABI), -EINVAL (malformed spec). For "vfio:":
 * -ENODEV also for no IOMMU, not an edu, not bound to vfio-pci; -EBUSY
 * when another process has the device (VFIO gives an IOMMU group to one
 * process at a time) or its IOMMU group holds devices bound to other
 * drivers (not viable); -EOPNOTSUPP when vfio_iommu_type1 is missing. A
 * VFIO device handle belongs to the process that opened it (not to a child
 * after fork()); handles opened on one device in one process share its
 * container. The memory of VFIO buffers and registrations counts against
 * RLIMIT_MEMLOCK (-ENOMEM: raise ulimit -l).
 */
int libdma_open(const char *spec, struct libdma_device **devp);

/* The same, each for one kind of spec. */
int libdma_open_index(unsigned int index, struct libdma_device **devp);
int libdma_open_node(const char *path, struct libdma_device **devp);
int libdma_open_pci(const char *pci_address, struct libdma_device **devp);

/*
 * Close a device handle. Buffers still allocated on it stay valid (see
 * "Lifetime"). Returns 0, or -EBADF for NULL or an already closed handle.
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
	unsigned int version_major;	/* edu device version */
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
	uint32_t reserved[15];
};

/* Query the device (freshly, not from a cache) into *info. 0 or -errno. */
int libdma_get_info(struct libdma_device *dev, struct libdma_info *info);

/* The driver's ABI version (positive; 0 for a VFIO device), or -errno. */
int libdma_driver_abi_version(struct libdma_device *dev);

/* ---------------------------------------------------------------- buffers */

/*
 * Allocate a device-coherent buffer of at least 'size' bytes (rounded up to
 * whole pages; it reads as zeros) and map it into this process. Needs
 * LIBDMA_FEAT_COHERENT. 0 or -errno (-EINVAL for size 0). On a VFIO device
 * it is anonymous memory mapped IOVA-contiguous through the IOMMU: one
 * device-visible segment whatever the pages, no physical contiguity needed.
 */
int libdma_buffer_alloc(struct libdma_device *dev, size_t size,
			struct libdma_buffer **bufp);

/*
 * Unmap and free a buffer from libdma_buffer_alloc(). The object is released
 * even when the driver reports an error. -EINVAL for a registered buffer
 * (use libdma_buffer_unregister()), -EBADF for NULL or a freed one.
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

/*
 * Register ordinary memory [addr, addr + length) for DMA: the driver pins
 * it until libdma_buffer_unregister(). 'access' is LIBDMA_ACCESS_* (at
 * least one); a transfer or copy that needs the other direction fails with
 * -EACCES. Any alignment and length. Needs LIBDMA_FEAT_PIN. 'stats' may be
 * NULL. Pinned pages count against RLIMIT_MEMLOCK (-ENOMEM).
 */
int libdma_buffer_register(struct libdma_device *dev, void *addr,
			   size_t length, unsigned int access,
			   struct libdma_buffer **bufp,
			   struct libdma_pin_stats *stats);

/*
 * Unpin memory registered with libdma_buffer_register(); the memory itself
 * stays yours. The object is released even when the driver reports an
 * error. -EINVAL for an allocated buffer, -EBADF for NULL or a freed one.
 */
int libdma_buffer_unregister(struct libdma_buffer *buf);

/*
 * Where the buffer is mapped in this process, and how many bytes it has
 * (for allocated buffers: the page-rounded size). NULL / 0 for NULL or a
 * freed buffer.
 */
void *libdma_buffer_ptr(const struct libdma_buffer *buf);
size_t libdma_buffer_size(const struct libdma_buffer *buf);

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

/* 'length' bytes at 'offset' into a buffer. */
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

/* 'length' bytes of plain memory at 'addr', pinned for one call only. */
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

/*
 * Move mem->length bytes from memory to the device buffer at 'dev_offset'
 * (< info.window_size), or back. A length larger than the space from
 * dev_offset to the end of the window streams through it chunk by chunk
 * (the device keeps the last chunk). Needs LIBDMA_FEAT_TRANSFER. 'stats'
 * may be NULL. -EACCES when a registered buffer lacks the access the
 * direction needs (to-device: LIBDMA_ACCESS_DEV_READ, from-device:
 * LIBDMA_ACCESS_DEV_WRITE). An interrupted call returns -EINTR (never
 * retried).
 */
int libdma_transfer_to_device(struct libdma_device *dev,
			      const struct libdma_region *src,
			      size_t dev_offset, struct libdma_stats *stats);
int libdma_transfer_from_device(struct libdma_device *dev,
				const struct libdma_region *dst,
				size_t dev_offset, struct libdma_stats *stats);

/*
 * Copy src->length bytes from src to dst through the device, window-sized
 * chunk by chunk (memcpy's argument order). Lengths must be equal; the
 * regions may share a buffer but must not overlap. Needs LIBDMA_FEAT_COPY.
 * 'stats' may be NULL. -EACCES when a registered source lacks
 * LIBDMA_ACCESS_DEV_READ or a registered destination LIBDMA_ACCESS_DEV_WRITE.
 * An interrupted call returns -EINTR (never retried).
 */
int libdma_copy(struct libdma_device *dev, const struct libdma_region *dst,
		const struct libdma_region *src, struct libdma_stats *stats);

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

/*
 * Prove the interrupt path (MSI or INTx) end to end: make the device raise
 * its interrupt with the status bits 'value' (0: LIBDMA_IRQ_TEST_DEFAULT)
 * and wait, up to the driver's timeout, until the interrupt handler has
 * seen them. Bits 0x00000001 and 0x00000100 belong to the driver
 * (factorial and DMA completion) and are refused with -EINVAL. Needs
 * LIBDMA_FEAT_IRQ_TEST. 'result' may be NULL. -ETIMEDOUT when the handler
 * never saw the bits (result->seen then says what it did see), -EINTR when
 * a signal arrived first. API 1.1.
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

/*
 * Run the device's factorial unit on 'n': the result is n! modulo 2^32
 * (the unit is 32 bits wide). The call sleeps until the completion
 * interrupt, or with LIBDMA_FACT_POLL polls the unit's busy bit instead.
 * Needs LIBDMA_FEAT_FACTORIAL. 'result' must not be NULL. -EINVAL for
 * unknown flags, -ETIMEDOUT when the unit does not finish, -EINTR when a
 * signal arrived first. API 1.1.
 */
int libdma_factorial(struct libdma_device *dev, uint32_t n, unsigned int flags,
		     struct libdma_factorial_result *result);

/* ============================================================ benchmark (1.2)
 *
 * The throughput benchmark: what physical contiguity buys a device and what
 * it costs to get it. Each mode moves the same bytes source -> device ->
 * destination with libdma_copy(), with the memory obtained another way:
 *
 *   coherent     two coherent buffers (libdma_buffer_alloc): physically
 *                contiguous, one segment each
 *   sg           two malloc'd areas registered (pinned + mapped) once,
 *                before the clock starts (libdma_buffer_register)
 *   sg-oneshot   the same kind of areas pinned and mapped by the driver
 *                inside every transfer (libdma_region_user)
 *   sg-hugepage  two areas backed by transparent huge pages
 *                (MADV_HUGEPAGE), registered once
 *   bounce       two malloc'd areas the CPU copies into and out of two
 *                coherent buffers around the DMA ("copy instead of pin")
 *   vfio         two malloc'd areas registered once with a device opened
 *                as "vfio:<address>" (libdma_bench_config.vfio, or 'dev'
 *                itself): mapped through the IOMMU at contiguous IO
 *                addresses, one device-visible segment each, whatever the
 *                pages; the engine runs in this process. Only when such a
 *                device takes part: not in the default set otherwise
 *
 * For every mode and size, each repetition does: setup (alloc or
 * register), one transfer, a check of every destination byte, teardown
 * (free or unregister). A cell whose data does not verify reports no
 * figures. Times are CLOCK_MONOTONIC in this process, except device time,
 * which is the driver's (libdma_stats.device_ns). What each figure means:
 * struct libdma_bench_cell.
 */

/* Modes (bit numbers in libdma_bench_config.modes). */
#define LIBDMA_BENCH_COHERENT		0
#define LIBDMA_BENCH_SG			1
#define LIBDMA_BENCH_SG_ONESHOT		2
#define LIBDMA_BENCH_SG_HUGEPAGE	3
#define LIBDMA_BENCH_BOUNCE		4
#define LIBDMA_BENCH_VFIO		5
#define LIBDMA_BENCH_NR_MODES		6
#define LIBDMA_BENCH_ALL_MODES		((1U << LIBDMA_BENCH_NR_MODES) - 1)
/* The modes through 'dev' alone: the default set without a VFIO device. */
#define LIBDMA_BENCH_KERNEL_MODES	((1U << LIBDMA_BENCH_VFIO) - 1)

/* The default sweep: 4 KiB, 8 KiB, ... 4 MiB, each size 5 times. */
#define LIBDMA_BENCH_DEFAULT_MIN_SIZE		4096U
#define LIBDMA_BENCH_DEFAULT_MAX_SIZE		(4U << 20)
#define LIBDMA_BENCH_DEFAULT_REPETITIONS	5U
#define LIBDMA_BENCH_MAX_SIZES			64U
#define LIBDMA_BENCH_MAX_REPETITIONS		1000U

/* libdma_bench_config.flags */
/*
 * Test hook: flip one byte of the destination after each transfer, before
 * it is checked. Every cell must then fail verification and report no
 * figures - proof that the checks run and that nothing is reported unchecked.
 */
#define LIBDMA_BENCH_CORRUPT		(1U << 0)

/* Name of a mode ("coherent", "sg", "sg-oneshot"...), NULL if unknown. */
const char *libdma_bench_mode_name(unsigned int mode);
/* The mode a name stands for (LIBDMA_BENCH_*), or -EINVAL. */
int libdma_bench_mode_parse(const char *name);

/* A figure over the repetitions of a cell. */
struct libdma_bench_stat {
	double median;			/* of an even count: mean of the middle two */
	double min;
	double max;
};

/* libdma_bench_cell.status */
#define LIBDMA_BENCH_OK			0	/* every repetition verified */
#define LIBDMA_BENCH_UNAVAILABLE	1	/* the mode cannot run here (note says why) */
#define LIBDMA_BENCH_MISMATCH		2	/* a destination byte was wrong: no figures */
#define LIBDMA_BENCH_FAILED		3	/* a call failed (error, note): no figures */

/*
 * One mode at one size. Figures are set only when status is
 * LIBDMA_BENCH_OK (all zero otherwise); times in nanoseconds.
 */
struct libdma_bench_cell {
	unsigned int mode;		/* LIBDMA_BENCH_* */
	unsigned int status;		/* LIBDMA_BENCH_OK ... */
	int error;			/* FAILED: the -errno of the failing call */
	uint32_t repetitions;		/* repetitions done (and verified, if OK) */
	uint64_t size;			/* bytes copied per transfer */

	/*
	 * The memory the device worked on, source and destination together:
	 * pages it spans, physically contiguous runs (CPU segments; 0 = not
	 * reported, as for one-shot regions) and DMA segments the driver
	 * walked. Coherent buffers (coherent, bounce) are one segment each.
	 */
	uint64_t pages;
	uint64_t cpu_segments;
	uint64_t dma_segments;
	struct libdma_bench_stat commands;	/* device commands per transfer */

	/* Making the memory DMA-able: allocating the coherent buffers
	 * (coherent, bounce) or registering the user areas (sg, sg-hugepage);
	 * 0 for sg-oneshot, which pins inside the transfer. Both sides. */
	struct libdma_bench_stat setup_ns;
	/* Undoing it: freeing or unregistering. */
	struct libdma_bench_stat teardown_ns;
	/* The transfer step, end to end: around libdma_copy(), plus for
	 * bounce the two CPU copies around it. */
	struct libdma_bench_stat transfer_ns;
	/* The device's part of it: the driver's device_ns (each command's
	 * start to its completion interrupt, summed). */
	struct libdma_bench_stat device_ns;
	/* What the host spent per transfer: transfer_ns - device_ns
	 * (system call, planning, one-shot pinning, bounce copies...). */
	struct libdma_bench_stat host_ns;
	/* Pinning + mapping as the driver timed it, both sides: part of
	 * setup_ns for sg and sg-hugepage (libdma_pin_stats), part of host_ns
	 * for sg-oneshot, every transfer (libdma_stats.setup_ns); else 0. */
	struct libdma_bench_stat pin_ns;
	/* The CPU copies into and out of the coherent buffers (bounce; part
	 * of host_ns); else 0. */
	struct libdma_bench_stat cpu_copy_ns;
	/* size / transfer_ns, in bytes per second. */
	struct libdma_bench_stat throughput;
	/*
	 * Against the device's own limit: throughput divided by
	 * size / (commands x the device's time per command), with that time
	 * measured in this very transfer (device_ns / commands) - which
	 * comes to device_ns / transfer_ns: the share of the transfer during
	 * which the device was busy. 1.0 means it never waited for the host;
	 * idle gaps between commands (a round trip to userspace per command)
	 * would show here. (Not relative to env.cmd_ns: QEMU's edu sets its
	 * 100 ms timer in whole milliseconds, so single commands vary by up
	 * to 1 ms, which would read as idle time.)
	 */
	struct libdma_bench_stat efficiency;

	char note[192];			/* why unavailable / what failed / "" */
	uint64_t reserved[8];
};

/* Where a run took place, so that its figures are never read out of context. */
struct libdma_bench_env {
	char platform[48];		/* "QEMU (TCG)", "QEMU (KVM)", "virtual machine", "hardware" */
	char machine[96];		/* DMI vendor and product, "" if unknown */
	char cpu[96];			/* /proc/cpuinfo model name */
	char kernel[96];		/* "Linux 6.1.0-56-amd64 x86_64" */
	char clocksource[32];		/* the kernel's current clocksource */
	char thp[32];			/* transparent_hugepage/enabled, e.g. "madvise" */
	char label[128];		/* libdma_bench_config.label, "" if none */
	char date[32];			/* start of the run, UTC, ISO 8601 */
	char libdma_version[16];	/* libdma_version_string() */
	struct libdma_info info;	/* the device: node, version, window, mask... */
	uint64_t page_size;
	/*
	 * The device's time per command, measured: the fastest of a few
	 * one-window copies (their device_ns / commands). Under QEMU 99 to
	 * 100 ms of (virtual) time. For the reader (the device's limit);
	 * efficiency uses each transfer's own device time.
	 */
	uint64_t cmd_ns;
	uint32_t calibration_copies;	/* how many copies cmd_ns came from */
	uint32_t reserved0;
	char vfio_node[40];		/* the vfio mode's device, "" if none */
	uint64_t reserved[3];
};

/* Where a run is, for libdma_bench_config.progress. */
struct libdma_bench_progress {
	unsigned int cell;		/* index of the cell (0-based) */
	unsigned int nr_cells;
	unsigned int mode;
	unsigned int repetition;	/* 1-based; 0 once the cell is done */
	uint64_t size;
	const struct libdma_bench_cell *done;	/* the finished cell, or NULL */
	uint64_t commands_done;		/* device commands so far */
	uint64_t commands_min;		/* the whole run needs at least this many */
	uint64_t cmd_ns;		/* env.cmd_ns */
	uint64_t reserved[4];
};

/* What to measure. Start from libdma_bench_config_init(). */
struct libdma_bench_config {
	/*
	 * 1U << LIBDMA_BENCH_* bits; 0 = the default: LIBDMA_BENCH_KERNEL_MODES,
	 * plus LIBDMA_BENCH_VFIO when a VFIO device takes part (below).
	 */
	uint32_t modes;
	uint32_t repetitions;		/* per cell, 1..LIBDMA_BENCH_MAX_REPETITIONS */
	const uint64_t *sizes;		/* bytes, NULL = the default sweep */
	uint32_t nr_sizes;		/* 1..LIBDMA_BENCH_MAX_SIZES */
	uint32_t flags;			/* LIBDMA_BENCH_CORRUPT */
	const char *label;		/* free text for env.label, may be NULL */
	/*
	 * Called (if not NULL) in the calling thread before every repetition
	 * and after every cell, e.g. to show progress on long sweeps.
	 */
	void (*progress)(const struct libdma_bench_progress *p, void *arg);
	void *progress_arg;
	/*
	 * The device of the vfio mode: an edu opened as "vfio:<address>"
	 * (another one than 'dev', usually). NULL: 'dev' itself if it is a
	 * VFIO device, else the vfio mode is unavailable.
	 */
	struct libdma_device *vfio;
	uint64_t reserved[3];		/* must be zero */
};

/* The outcome of libdma_bench_run(). */
struct libdma_bench_result {
	struct libdma_bench_env env;
	uint32_t repetitions;
	uint32_t flags;			/* the config's */
	uint32_t nr_cells;
	uint32_t nr_failed;		/* cells MISMATCH or FAILED */
	struct libdma_bench_cell *cells;	/* size by size, modes in order */
	uint64_t reserved[4];
};

/*
 * Defaults: the default modes (modes 0), the default sweep,
 * LIBDMA_BENCH_DEFAULT_REPETITIONS, no VFIO device.
 */
void libdma_bench_config_init(struct libdma_bench_config *cfg);

/*
 * Run the benchmark on 'dev' (needs LIBDMA_FEAT_COPY; a mode whose feature
 * the driver lacks, or a coherent size beyond info.max_alloc, is reported
 * LIBDMA_BENCH_UNAVAILABLE, as is sg-hugepage without transparent huge
 * pages). 'cfg' may be NULL for the defaults. On success stores the result
 * in *resultp (free it with libdma_bench_result_free()) and returns the
 * number of cells that failed (0: every available cell verified) - a run
 * with failed cells has failed. Returns -errno with *resultp NULL when the
 * run could not take place or had to stop: -EINVAL (bad config),
 * -EOPNOTSUPP, -EINTR (a signal), -ENODEV, -EIO, -ETIMEDOUT (the device).
 * Takes (number of sizes x modes x repetitions) transfers: on a device that
 * really spends 100 ms per command (QEMU without -icount) the default sweep
 * takes hours; progress->commands_min tells beforehand.
 */
int libdma_bench_run(struct libdma_device *dev,
		     const struct libdma_bench_config *cfg,
		     struct libdma_bench_result **resultp);

/* Free a result (NULL is fine). */
void libdma_bench_result_free(struct libdma_bench_result *result);

/* Output formats (libdma_bench_write()). */
#define LIBDMA_BENCH_TABLE	0	/* aligned text for people, with a reading */
#define LIBDMA_BENCH_CSV	1	/* '#' lines (where it ran), a header, a row per cell */
#define LIBDMA_BENCH_JSON	2	/* one object: environment, cells, summary */

/*
 * Write a result to 'out'. Every format states where the run took place
 * (env). Cells that are not OK carry their status and note, no figures.
 * 0, -EINVAL (bad format or NULL), or -EIO when writing failed.
 */
int libdma_bench_write(const struct libdma_bench_result *result,
		       unsigned int format, FILE *out);

/* ================================================================ lab (1.3)
 *
 * The contiguity lab: "is contiguous memory faster?" answered with
 * measurements the edudma driver takes inside the kernel (the figures a
 * process cannot take: the kernel's allocators and its own mappings).
 * Three experiments, each a list of cells (one measurement each):
 *
 *   alloc     allocate + free 'size' bytes with kmalloc, alloc_pages,
 *             dma_alloc_coherent or vmalloc, 'iterations' times: time per
 *             pair (min / median / max)
 *   access    'size' bytes of pages, allocated in chunks of up to 4 MiB,
 *             filled with a known pattern and mapped twice: by the kernel's
 *             linear map, which covers RAM with large pages (2 MiB / 1 GiB),
 *             and by a vmap of those very pages, which uses 4 KiB
 *             page-table entries; one cell times passes through one of
 *             the two. Patterns: sequential read, sequential write, and
 *             one 8-byte read per page with the pages in random order
 *             (the TLB's worst case). Time per pass; reads also give a
 *             checksum of what they saw, which must be equal through both
 *             mappings (and equal to what the driver wrote)
 *   segments  a buffer from each allocator mapped for the device
 *             (dma_map_sg): its pages, physically contiguous runs and DMA
 *             segments. Timing-independent facts: kmalloc, alloc_pages and
 *             dma_alloc_coherent give one run, vmalloc about one per page
 *
 * Needs root (CAP_SYS_ADMIN) and the module parameter lab=1 (then
 * LIBDMA_FEAT_LAB is set); -EPERM otherwise, with the command that turns
 * it on. The kernel backend only: a VFIO device gives -EOPNOTSUPP. Times
 * are the guest's or the machine's clock (ktime_get_ns in the driver):
 * under QEMU with -icount they count instructions, not memory stalls or
 * TLB misses (README, "Is contiguous memory faster?").
 */

/* Experiments (bit numbers in libdma_lab_config.experiments). */
#define LIBDMA_LAB_ALLOC		0
#define LIBDMA_LAB_ACCESS		1
#define LIBDMA_LAB_SEGMENTS		2
#define LIBDMA_LAB_NR_EXPERIMENTS	3

/* Allocators (alloc, segments; bits in libdma_lab_config.allocators). */
#define LIBDMA_LAB_KMALLOC		0
#define LIBDMA_LAB_ALLOC_PAGES		1
#define LIBDMA_LAB_DMA_COHERENT		2
#define LIBDMA_LAB_VMALLOC		3
#define LIBDMA_LAB_NR_ALLOCATORS	4

/* Access patterns (access; bits in libdma_lab_config.patterns). */
#define LIBDMA_LAB_SEQ_READ		0
#define LIBDMA_LAB_SEQ_WRITE		1
#define LIBDMA_LAB_RANDOM_READ		2	/* one word per page, random page order */
#define LIBDMA_LAB_NR_PATTERNS		3

/* Mappings (access): every access cell is measured through both. */
#define LIBDMA_LAB_LINEAR_MAP		0	/* the kernel's linear map: large pages */
#define LIBDMA_LAB_VMAP			1	/* a vmap of the same pages: 4 KiB PTEs */
#define LIBDMA_LAB_NR_MAPPINGS		2

/* What libdma_lab_name() / libdma_lab_parse() name. */
#define LIBDMA_LAB_NAME_EXPERIMENT	0	/* "alloc", "access", "segments" */
#define LIBDMA_LAB_NAME_ALLOCATOR	1	/* "kmalloc", "alloc_pages", "dma_coherent", "vmalloc" */
#define LIBDMA_LAB_NAME_PATTERN		2	/* "seq-read", "seq-write", "random-read" */
#define LIBDMA_LAB_NAME_MAPPING		3	/* "linear", "vmap" */

/* The name of 'value' of kind LIBDMA_LAB_NAME_*, NULL if unknown. */
const char *libdma_lab_name(unsigned int kind, unsigned int value);
/* The value a name stands for, or -EINVAL. */
int libdma_lab_parse(unsigned int kind, const char *name);

/*
 * The default sweeps (libdma_lab_config.sizes NULL):
 *   alloc     4 KiB .. 4 MiB, powers of two, every allocator; vmalloc also
 *             8 MiB .. 64 MiB (the others give at most 4 MiB in one piece)
 *   access    64 KiB .. max_access (default 128 MiB, lowered to a power of
 *             two at most a quarter of MemAvailable)
 *   segments  64 KiB, 1 MiB, 4 MiB, every allocator; vmalloc also 16 MiB
 */
#define LIBDMA_LAB_DEFAULT_MAX_ACCESS	(128ULL << 20)
#define LIBDMA_LAB_DEFAULT_ITERATIONS	5U
#define LIBDMA_LAB_MAX_ITERATIONS	101U	/* the driver's limit */
#define LIBDMA_LAB_MAX_SIZES		64U

/* libdma_lab_cell.status */
#define LIBDMA_LAB_OK			0
#define LIBDMA_LAB_UNAVAILABLE		1	/* not here: beyond the allocator's limit, or memory short (note) */
#define LIBDMA_LAB_UNREACHABLE		2	/* segments: memory beyond the device's DMA mask that nothing can bounce or remap */
#define LIBDMA_LAB_MISMATCH		3	/* access: the mappings (or the driver) disagree on the bytes */
#define LIBDMA_LAB_FAILED		4	/* the call failed (error, note) */

/*
 * One measurement. Figures only when status is LIBDMA_LAB_OK (MISMATCH
 * keeps them for the record; the outputs show none).
 */
struct libdma_lab_cell {
	unsigned int experiment;	/* LIBDMA_LAB_ALLOC ... */
	unsigned int allocator;		/* alloc, segments */
	unsigned int pattern;		/* access */
	unsigned int mapping;		/* access */
	uint64_t size;			/* bytes asked for */
	unsigned int status;		/* LIBDMA_LAB_OK ... */
	int error;			/* not OK: the -errno of the driver call */
	uint32_t iterations;		/* alloc, access: timed runs */
	uint32_t reserved0;
	/* alloc: one allocate + free pair; access: one pass over all pages */
	uint64_t ns_min;
	uint64_t ns_median;
	uint64_t ns_max;
	uint64_t checksum;		/* access reads: sum of the words read */
	uint64_t pages;			/* access, segments: 4 KiB pages */
	uint64_t cpu_segments;		/* access, segments: physically contiguous runs */
	uint64_t dma_segments;		/* segments: after mapping for the device */
	char note[192];			/* why not OK, or "" */
	uint64_t reserved[4];
};

/* Where a run is, for libdma_lab_config.progress. */
struct libdma_lab_progress {
	unsigned int index;		/* of the cell (0-based) */
	unsigned int nr_cells;
	const struct libdma_lab_cell *cell;	/* what it measures (and, once done, the figures) */
	int done;			/* 0: about to run, 1: finished */
	int reserved0;
	uint64_t reserved[4];
};

/* What to measure. Start from libdma_lab_config_init(). */
struct libdma_lab_config {
	uint32_t experiments;		/* 1U << LIBDMA_LAB_*; 0 = all three */
	uint32_t allocators;		/* 1U << LIBDMA_LAB_KMALLOC ...; 0 = all */
	uint32_t patterns;		/* 1U << LIBDMA_LAB_SEQ_READ ...; 0 = all */
	uint32_t iterations;		/* 1..LIBDMA_LAB_MAX_ITERATIONS */
	const uint64_t *sizes;		/* bytes, for every experiment; NULL = the default sweeps */
	uint32_t nr_sizes;		/* 1..LIBDMA_LAB_MAX_SIZES */
	uint32_t flags;			/* must be 0 */
	uint64_t max_access;		/* default sweep's largest access size; 0 = default */
	const char *label;		/* free text for env.label, may be NULL */
	/* Called (if not NULL) before and after every cell. */
	void (*progress)(const struct libdma_lab_progress *p, void *arg);
	void *progress_arg;
	uint64_t reserved[4];		/* must be zero */
};

/* The outcome of libdma_lab_run(). */
struct libdma_lab_result {
	/*
	 * Where it ran: the same header as the benchmark's. cmd_ns and
	 * calibration_copies are 0 (the lab runs no DMA commands).
	 */
	struct libdma_bench_env env;
	uint32_t iterations;
	uint32_t nr_cells;
	uint32_t nr_failed;		/* cells MISMATCH or FAILED */
	uint32_t reserved0;
	struct libdma_lab_cell *cells;	/* experiment by experiment, size by size */
	uint64_t reserved[4];
};

/* Defaults: all experiments, allocators and patterns, the default sweeps. */
void libdma_lab_config_init(struct libdma_lab_config *cfg);

/*
 * Run the lab on 'dev' (kernel backend). 'cfg' may be NULL for the
 * defaults. On success stores the result in *resultp (free it with
 * libdma_lab_result_free()) and returns the number of cells that failed
 * (MISMATCH or FAILED; 0: every measurable cell measured and checked).
 * Cells an allocator cannot give (E2BIG), memory the machine does not
 * have (ENOMEM) and memory beyond the device's reach (ERANGE) are
 * reported in their cell, not as a failure. Returns -errno with *resultp
 * NULL when the run could not take place: -EPERM (not root, or lab=0: the
 * message says how to turn it on), -EOPNOTSUPP (VFIO device, or a driver
 * without the lab), -EINVAL (bad config), -ENODEV, -EINTR.
 */
int libdma_lab_run(struct libdma_device *dev, const struct libdma_lab_config *cfg,
		   struct libdma_lab_result **resultp);

/* Free a result (NULL is fine). */
void libdma_lab_result_free(struct libdma_lab_result *result);

/*
 * Write a result to 'out' as LIBDMA_BENCH_TABLE (sections per experiment,
 * a row per cell, and a reading), LIBDMA_BENCH_CSV (a row per cell) or
 * LIBDMA_BENCH_JSON. Every format starts with where the run took place.
 * 0, -EINVAL (bad format or NULL), or -EIO when writing failed.
 */
int libdma_lab_write(const struct libdma_lab_result *result,
		     unsigned int format, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* LIBDMA_H */
