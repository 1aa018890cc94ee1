/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * edudma - ioctl ABI of the edudma driver (/dev/edudma<N>).
 *
 * This header is the contract between the kernel module and userspace
 * (libdma, dmactl, the tests). It is shared verbatim by both sides and
 * compiles standalone as C90 with only <linux/types.h> and <linux/ioctl.h>.
 *
 * Rules every structure here follows (Documentation/process/botching-up-ioctls.rst):
 *  - only fixed-size __u32/__u64 fields, naturally aligned, explicit padding,
 *    sizes a multiple of 8 so 32- and 64-bit userspace see the same layout
 *    (no compat_ioctl translation is needed);
 *  - pointers travel as __u64;
 *  - every input structure has a 'flags' field; unknown flags and non-zero
 *    'reserved' fields are refused with EINVAL so they can be given a meaning
 *    later without breaking old binaries;
 *  - fields marked "out" are ignored on input, so a structure can be reused;
 *  - an unknown handle (never issued, already freed, another file's) fails
 *    with ENOENT, a handle of the wrong kind with EINVAL;
 *  - unknown ioctl numbers (including a known number with another size,
 *    since the size is part of the number) fail with ENOTTY.
 *
 * Userspace should check EDUDMA_IOC_INFO's abi_version and features before
 * using anything beyond INFO.
 */
#ifndef _UAPI_LINUX_EDUDMA_H
#define _UAPI_LINUX_EDUDMA_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * Bumped only on an incompatible change. Compatible additions are
 * announced through feature bits instead.
 */
#define EDUDMA_ABI_VERSION	1

/* Name of the char device class and node prefix: /dev/edudma<N>. */
#define EDUDMA_NAME		"edudma"

/* Feature bits, reported in edudma_info.features. */
#define EDUDMA_FEAT_IRQ_TEST	(1U << 0)	/* EDUDMA_IOC_IRQ_TEST */
#define EDUDMA_FEAT_FACTORIAL	(1U << 1)	/* EDUDMA_IOC_FACTORIAL */
#define EDUDMA_FEAT_COHERENT	(1U << 2)	/* ALLOC, FREE and mmap */
#define EDUDMA_FEAT_TRANSFER	(1U << 3)	/* EDUDMA_IOC_TRANSFER */
#define EDUDMA_FEAT_COPY	(1U << 4)	/* EDUDMA_IOC_COPY */
#define EDUDMA_FEAT_PIN		(1U << 5)	/* PIN and UNPIN */
#define EDUDMA_FEAT_USER_REGION	(1U << 6)	/* EDUDMA_REGION_USER (one-shot) */
#define EDUDMA_FEAT_LAB		(1U << 7)	/* EDUDMA_IOC_LAB (module parameter lab=1) */
#define EDUDMA_FEAT_DMABUF	(1U << 8)	/* EXPORT and IMPORT (dma-buf) */
#define EDUDMA_FEAT_ENGINE_INFO	(1U << 9)	/* edudma_info.engine and the limits after it */
#define EDUDMA_FEAT_ASYNC	(1U << 10)	/* SUBMIT, REAP, CANCEL and poll() */

/*
 * The DMA engine behind the device, edudma_info.engine. Drivers older than
 * EDUDMA_FEAT_ENGINE_INFO only know edu (and leave the field 0).
 *  EDU    QEMU's edu: one command at a time through a 4 KiB device buffer
 *         (the "window"); a COPY goes memory -> window -> memory.
 *  EDUSG  edu-sg: a descriptor ring; one descriptor per DMA segment, many
 *         requests in flight, memory-to-memory COPY; the "window" of
 *         TRANSFER is its on-card RAM.
 */
#define EDUDMA_ENGINE_EDU	1
#define EDUDMA_ENGINE_EDUSG	2

/* Interrupt delivery, edudma_info.irq_mode. */
#define EDUDMA_IRQ_NONE		0
#define EDUDMA_IRQ_INTX		1
#define EDUDMA_IRQ_MSI		2

/*
 * EDUDMA_IOC_INFO - what this device and driver are and can do.
 * Output only; the driver fills every field, reserved ones with zero.
 */
struct edudma_info {
	__u32 abi_version;	/* EDUDMA_ABI_VERSION of the driver */
	__u32 dev_ident;	/* raw identification register, 0xMMmm00ed */
	__u64 features;		/* EDUDMA_FEAT_* */
	__u32 irq_mode;		/* EDUDMA_IRQ_* */
	__u32 dma_mask_bits;	/* addresses the device can reach: 2^bits */
	__u32 window_size;	/* usable bytes of the device buffer per command */
	__u32 dev_buffer_size;	/* size of the device's internal buffer */
	__u64 dev_buffer_addr;	/* device-side address of that buffer */
	__u64 max_alloc;	/* largest EDUDMA_IOC_ALLOC size, bytes */
	__u32 minor_index;	/* N of /dev/edudma<N> */
	__u32 timeout_ms;	/* default per-command completion timeout */
	/* Valid with EDUDMA_FEAT_ENGINE_INFO (0 before): */
	__u32 engine;		/* EDUDMA_ENGINE_* */
	__u32 engine_version;	/* device version, major << 16 | minor */
	__u32 max_cmd_length;	/* most bytes one device command moves */
	__u32 ring_size;	/* descriptor ring entries; 0: no ring (edu) */
	__u32 max_in_flight;	/* device commands in flight at once */
	__u32 max_requests;	/* EDUDMA_FEAT_ASYNC: requests one file may
				 * have submitted and not reaped */
	__u64 reserved[3];
};

/*
 * EDUDMA_IOC_IRQ_TEST - raise the device interrupt with 'value' and wait
 * until the interrupt handler has seen those bits. Proves the whole IRQ
 * path (MSI or INTx) from userspace. Bits the driver owns (factorial done,
 * DMA done) are refused with EINVAL.
 */
#define EDUDMA_IRQ_TEST_DEFAULT	0x00010000U

struct edudma_irq_test {
	__u32 value;		/* in: status bits to raise, 0 = default */
	__u32 flags;		/* in: must be 0 */
	__u32 timeout_ms;	/* in: 0 = driver default */
	__u32 seen;		/* out: status bits the handler acknowledged */
	__u64 latency_ns;	/* out: raise to handler-seen */
	__u64 reserved[2];
};

/*
 * EDUDMA_IOC_FACTORIAL - run the device's factorial unit on n.
 * The result is n! modulo 2^32 (the unit is 32 bits wide). By default the
 * caller sleeps until the completion interrupt; EDUDMA_FACT_POLL polls the
 * busy bit instead (no interrupt requested).
 */
#define EDUDMA_FACT_POLL	(1U << 0)
#define EDUDMA_FACT_FLAGS	(EDUDMA_FACT_POLL)

struct edudma_factorial {
	__u32 n;		/* in */
	__u32 flags;		/* in: EDUDMA_FACT_* */
	__u32 timeout_ms;	/* in: 0 = driver default */
	__u32 result;		/* out: n! mod 2^32 */
	__u64 elapsed_ns;	/* out */
	__u32 irq_seen;		/* out: 1 if completion came by interrupt */
	__u32 reserved0;
	__u64 reserved[2];
};

/*
 * EDUDMA_IOC_ALLOC - allocate a physically contiguous, device-coherent
 * buffer (dma_alloc_coherent). The size is rounded up to whole pages; new
 * buffers read as zeros. The buffer belongs to the open file: it is freed by
 * EDUDMA_IOC_FREE or close(), but a live mmap keeps it alive until munmap.
 * mmap(NULL, len, PROT_*, MAP_SHARED, fd, mmap_offset) maps it; the offset is
 * a cookie, meaningful only on this file.
 */
struct edudma_alloc {
	__u64 size;		/* in: bytes, 1 .. info.max_alloc */
	__u32 flags;		/* in: must be 0 */
	__u32 handle;		/* out: names the buffer in later calls */
	__u64 mmap_offset;	/* out: offset to pass to mmap() */
	__u64 alloc_size;	/* out: size rounded up to pages */
	__u64 reserved[2];
};

/* EDUDMA_IOC_FREE / EDUDMA_IOC_UNPIN - drop a handle. */
struct edudma_handle {
	__u32 handle;		/* in */
	__u32 flags;		/* in: must be 0 */
};

/*
 * EDUDMA_IOC_PIN - register user memory for DMA: pin the pages
 * (pin_user_pages_fast, FOLL_LONGTERM), build a scatterlist that merges
 * physically adjacent pages and map it for the device. Any alignment and
 * length. Pinned pages are charged to RLIMIT_MEMLOCK.
 */
#define EDUDMA_ACCESS_DEV_READ	(1U << 0)	/* device reads: to-device */
#define EDUDMA_ACCESS_DEV_WRITE	(1U << 1)	/* device writes: from-device */
#define EDUDMA_ACCESS_MASK	(EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)

struct edudma_pin {
	__u64 addr;		/* in: user virtual address */
	__u64 length;		/* in: bytes, > 0 */
	__u32 access;		/* in: EDUDMA_ACCESS_*, at least one */
	__u32 flags;		/* in: must be 0 */
	__u32 handle;		/* out */
	__u32 nr_pages;		/* out: pages pinned */
	__u32 nr_cpu_segments;	/* out: scatterlist entries after merging */
	__u32 nr_dma_segments;	/* out: DMA segments after mapping */
	__u64 pin_ns;		/* out: time to pin the pages */
	__u64 map_ns;		/* out: time to build and map the table */
	__u64 reserved[2];
};

/*
 * A region names memory for a transfer or copy: 'length' bytes (given by
 * the enclosing request) at 'offset' into the buffer or pinned range named by
 * 'handle', or - with EDUDMA_REGION_USER - at user address 'offset', pinned
 * and mapped for the duration of that one call only (handle must be 0).
 */
#define EDUDMA_REGION_USER	(1U << 0)
#define EDUDMA_REGION_FLAGS	(EDUDMA_REGION_USER)

struct edudma_region {
	__u32 handle;
	__u32 flags;		/* EDUDMA_REGION_* */
	__u64 offset;		/* offset into the handle, or user address */
};

/*
 * What a transfer or copy did. 'wall_ns' is ioctl entry to exit;
 * 'device_ns' sums, over all commands, the time from starting the command
 * to its completion interrupt; 'host_ns' is wall_ns - device_ns: what the
 * host spent around the device (validation, pinning, mapping, interrupt
 * handling, waking up). 'setup_ns' is the part of host_ns spent pinning and
 * mapping user regions (one-shot only). Filled also on partial failure.
 */
struct edudma_stats {
	__u64 bytes;		/* bytes moved to completion */
	__u64 commands;		/* device commands issued */
	__u64 wall_ns;
	__u64 device_ns;
	__u64 host_ns;
	__u64 setup_ns;
	__u32 nr_pages;		/* pages pinned for one-shot regions */
	__u32 nr_dma_segments;	/* DMA segments walked, all regions */
	__u64 reserved[2];
};

/*
 * EDUDMA_IOC_TRANSFER - move 'length' bytes between memory and the device
 * buffer at 'dev_offset'. Each command moves at most the space from
 * dev_offset to the end of the window; a longer transfer streams through that
 * space chunk after chunk (like a FIFO: the device keeps the last chunk).
 * Refused with EINVAL before any register is written: length 0 or above
 * EDUDMA_MAX_LENGTH, a range outside the memory region, dev_offset outside
 * the window. EACCES: a pinned range registered without the access needed.
 * A signal stops a transfer after the command in flight (EINTR, stats tell
 * how far it got); ETIMEDOUT when a command does not complete in time.
 * EIO: the device reported a command failed (edu-sg: a descriptor it could
 * not read or write, e.g. an IOMMU fault - the kernel log says which); the
 * device stays usable.
 * On edu-sg the "window" is the on-card RAM (edudma_info.window_size).
 */
/*
 * Longest TRANSFER or COPY in one call, and the most device commands one
 * call may plan (E2BIG beyond: e.g. a long transfer through a 1-byte space
 * at the end of the window). On edu-sg a command is one descriptor.
 */
#define EDUDMA_MAX_LENGTH	(256U << 20)
#define EDUDMA_MAX_COMMANDS	(1U << 19)

#define EDUDMA_DIR_TO_DEVICE	1	/* memory -> device buffer */
#define EDUDMA_DIR_FROM_DEVICE	2	/* device buffer -> memory */

struct edudma_transfer {
	struct edudma_region mem;
	__u64 length;		/* in: bytes, > 0 */
	__u32 direction;	/* in: EDUDMA_DIR_* */
	__u32 dev_offset;	/* in: offset into the window */
	__u32 flags;		/* in: must be 0 */
	__u32 timeout_ms;	/* in: per command, 0 = driver default */
	struct edudma_stats stats;	/* out */
};

/*
 * EDUDMA_IOC_COPY - move 'length' bytes from src through the device to dst,
 * window-sized chunk by chunk (each chunk: memory -> device -> memory); an
 * edu-sg copies memory to memory, one descriptor per pair of segments. The
 * two regions may name the same buffer; overlapping ranges are refused
 * (EINVAL): within one buffer, and between pins of overlapping user
 * addresses of the calling process.
 */
struct edudma_copy {
	struct edudma_region src;
	struct edudma_region dst;
	__u64 length;		/* in: bytes, > 0 */
	__u32 flags;		/* in: must be 0 */
	__u32 timeout_ms;	/* in: per command, 0 = driver default */
	struct edudma_stats stats;	/* out */
};

/*
 * Asynchronous requests (EDUDMA_FEAT_ASYNC), for both engines.
 *
 * EDUDMA_IOC_SUBMIT queues a TRANSFER or a COPY and returns at once with
 * its id; everything the synchronous call checks is checked here, with the
 * same errors, before anything is queued (memory is resolved, one-shot
 * user regions pinned, the plan made). Requests of all files share the
 * device: edu runs them back to back, edu-sg keeps many in flight. Each
 * file may hold edudma_info.max_requests requests submitted and not yet
 * reaped (the module parameter max_requests); beyond that SUBMIT fails
 * with EAGAIN - reap, then submit again.
 *
 * A finished request waits on its file until EDUDMA_IOC_REAP collects it:
 * its result (0 or a negative errno: EIO the device failed a command,
 * ECANCELED cancelled, ENODEV the device was removed) and its stats,
 * wall_ns counting from SUBMIT. poll()/select()/epoll report EPOLLIN while
 * a finished request is waiting.
 *
 * EDUDMA_IOC_CANCEL stops a request (or all of the file's): nothing more
 * of it is started, what is in flight lands, and it finishes with
 * ECANCELED (or 0 if it had completed anyway). ENOENT: no such request in
 * flight. close() cancels every request of the file and returns only when
 * none is in flight - the memory they name is not released before.
 */
#define EDUDMA_OP_TRANSFER	1
#define EDUDMA_OP_COPY		2

struct edudma_submit {
	__u32 op;		/* in: EDUDMA_OP_* */
	__u32 flags;		/* in: must be 0 */
	__u64 user_data;	/* in: returned with the completion */
	struct edudma_region src;	/* in: COPY source; TRANSFER's memory */
	struct edudma_region dst;	/* in: COPY destination; TRANSFER: zero */
	__u64 length;		/* in: bytes, as TRANSFER and COPY */
	__u32 direction;	/* in: TRANSFER: EDUDMA_DIR_*; COPY: 0 */
	__u32 dev_offset;	/* in: TRANSFER: into the window; COPY: 0 */
	__u64 id;		/* out: names the request (CANCEL) */
	__u64 reserved[2];	/* in: must be 0 */
};

struct edudma_completion {
	__u64 id;
	__u64 user_data;
	__s32 result;		/* 0 or -errno */
	__u32 reserved0;
	struct edudma_stats stats;
};

#define EDUDMA_REAP_WAIT	(1U << 0)	/* sleep until min_complete are ready */
#define EDUDMA_REAP_FLAGS	(EDUDMA_REAP_WAIT)

struct edudma_reap {
	__u64 completions;	/* in: user pointer to max entries */
	__u32 max;		/* in: entries there, > 0 */
	__u32 flags;		/* in: EDUDMA_REAP_* */
	__u32 min_complete;	/* in: WAIT: at least this many (<= max) */
	__u32 timeout_ms;	/* in: WAIT: 0 = no limit; ETIMEDOUT */
	__u32 count;		/* out: entries written */
	__u32 in_flight;	/* out: this file's requests not yet finished */
	__u64 reserved[2];	/* in: must be 0 */
};

#define EDUDMA_CANCEL_ALL	(1U << 0)	/* every request of the file; id 0 */

struct edudma_cancel {
	__u64 id;		/* in: a SUBMIT id */
	__u32 flags;		/* in: EDUDMA_CANCEL_* */
	__u32 count;		/* out: requests stopped */
};

/*
 * EDUDMA_IOC_LAB - the contiguity lab: measurements taken inside the kernel
 * (dmactl lab). Needs CAP_SYS_ADMIN and the module parameter lab=1 (EPERM
 * otherwise); not a data path. One call measures one cell:
 *
 *  EDUDMA_LAB_ALLOC     allocate + free 'size' bytes with 'allocator',
 *                       'iterations' times: ns per pair (min/median/max).
 *  EDUDMA_LAB_ACCESS    'size' bytes of the same physical pages, read or
 *                       written with 'pattern' through 'mapping': the
 *                       kernel's linear map (large pages) or a vmap of the
 *                       same pages (4 KiB page-table entries): ns per pass.
 *                       'checksum' sums what a read pass saw, so the two
 *                       mappings can be shown to read the same bytes.
 *  EDUDMA_LAB_SEGMENTS  allocate 'size' bytes with 'allocator' and map them
 *                       for the device: pages, physically contiguous runs
 *                       (CPU segments) and DMA segments.
 *
 * Sizes: ALLOC and SEGMENTS up to each allocator's limit (E2BIG beyond),
 * ACCESS up to EDUDMA_LAB_MAX_SIZE; ENOMEM when memory is short.
 */
#define EDUDMA_LAB_ALLOC		1
#define EDUDMA_LAB_ACCESS		2
#define EDUDMA_LAB_SEGMENTS		3

#define EDUDMA_LAB_KMALLOC		1
#define EDUDMA_LAB_ALLOC_PAGES		2
#define EDUDMA_LAB_DMA_COHERENT		3
#define EDUDMA_LAB_VMALLOC		4

#define EDUDMA_LAB_SEQ_READ		1
#define EDUDMA_LAB_SEQ_WRITE		2
#define EDUDMA_LAB_RANDOM_READ		3	/* one word per page, pages in random order */

#define EDUDMA_LAB_LINEAR_MAP		1
#define EDUDMA_LAB_VMAP			2

#define EDUDMA_LAB_MAX_SIZE		(1ULL << 30)
#define EDUDMA_LAB_MAX_ITERATIONS	101

struct edudma_lab {
	__u32 experiment;	/* in: EDUDMA_LAB_ALLOC/ACCESS/SEGMENTS */
	__u32 allocator;	/* in: ALLOC, SEGMENTS */
	__u64 size;		/* in: bytes */
	__u32 pattern;		/* in: ACCESS */
	__u32 mapping;		/* in: ACCESS */
	__u32 iterations;	/* in: 1..EDUDMA_LAB_MAX_ITERATIONS */
	__u32 flags;		/* in: must be 0 */
	__u64 ns_min;		/* out: per iteration */
	__u64 ns_median;	/* out */
	__u64 ns_max;		/* out */
	__u64 checksum;		/* out: ACCESS reads */
	__u32 nr_pages;		/* out: SEGMENTS, ACCESS */
	__u32 nr_cpu_segments;	/* out: SEGMENTS, ACCESS (physical runs) */
	__u32 nr_dma_segments;	/* out: SEGMENTS */
	__u32 reserved0;
	__u64 reserved[4];
};

/*
 * EDUDMA_IOC_EXPORT - share a coherent buffer (ALLOC) with other drivers:
 * a new dma-buf file descriptor (O_CLOEXEC) that V4L2 (V4L2_MEMORY_DMABUF),
 * DRM (PRIME) or another edudma file (EDUDMA_IOC_IMPORT) accept. Importing
 * devices get mappings of their own; mmap of the fd maps the buffer;
 * DMA_BUF_IOCTL_SYNC brackets CPU access. The buffer lives until the last of
 * its handle, its mappings and every reference to the dma-buf; it stays
 * charged to the process that allocated it. Without EDUDMA_EXPORT_WRITE the
 * dma-buf is read-only: opened O_RDONLY (no writable mmap) and importing
 * devices may only read it (a mapping for device writes fails, EACCES).
 * A pinned range is not exported (EINVAL): udmabuf shares user memory.
 */
#define EDUDMA_EXPORT_WRITE	(1U << 0)	/* importers may write */
#define EDUDMA_EXPORT_FLAGS	(EDUDMA_EXPORT_WRITE)

struct edudma_export {
	__u32 handle;		/* in: a coherent buffer */
	__u32 flags;		/* in: EDUDMA_EXPORT_* */
	__s32 fd;		/* out: the dma-buf */
	__u32 reserved0;
	__u64 size;		/* out: bytes of the dma-buf (alloc_size) */
	__u64 reserved[2];
};

/*
 * EDUDMA_IOC_IMPORT - a dma-buf from any exporter (or from EXPORT) becomes
 * memory TRANSFER and COPY accept: attached to this device and mapped for
 * 'access' (EDUDMA_ACCESS_*). EBADF: not an open fd; EINVAL: not a dma-buf;
 * EACCES: the exporter refuses that direction; ERANGE: the device could
 * not reach the memory and nothing could bounce it; ENODEV: the exporting
 * device is gone. The handle is dropped with EDUDMA_IOC_FREE (or close);
 * the fd may be closed at once - the import holds its own reference.
 */
struct edudma_import {
	__s32 fd;		/* in: a dma-buf file descriptor */
	__u32 access;		/* in: EDUDMA_ACCESS_*, at least one */
	__u32 flags;		/* in: must be 0 */
	__u32 handle;		/* out */
	__u64 size;		/* out: bytes of the dma-buf */
	__u32 nr_dma_segments;	/* out: DMA segments of the mapping */
	__u32 reserved0;
	__u64 reserved[2];
};

#define EDUDMA_IOC_MAGIC	0xED

#define EDUDMA_IOC_INFO		_IOR(EDUDMA_IOC_MAGIC, 0x00, struct edudma_info)
#define EDUDMA_IOC_IRQ_TEST	_IOWR(EDUDMA_IOC_MAGIC, 0x01, struct edudma_irq_test)
#define EDUDMA_IOC_FACTORIAL	_IOWR(EDUDMA_IOC_MAGIC, 0x02, struct edudma_factorial)
#define EDUDMA_IOC_ALLOC	_IOWR(EDUDMA_IOC_MAGIC, 0x10, struct edudma_alloc)
#define EDUDMA_IOC_FREE		_IOW(EDUDMA_IOC_MAGIC, 0x11, struct edudma_handle)
#define EDUDMA_IOC_PIN		_IOWR(EDUDMA_IOC_MAGIC, 0x12, struct edudma_pin)
#define EDUDMA_IOC_UNPIN	_IOW(EDUDMA_IOC_MAGIC, 0x13, struct edudma_handle)
#define EDUDMA_IOC_EXPORT	_IOWR(EDUDMA_IOC_MAGIC, 0x14, struct edudma_export)
#define EDUDMA_IOC_IMPORT	_IOWR(EDUDMA_IOC_MAGIC, 0x15, struct edudma_import)
#define EDUDMA_IOC_TRANSFER	_IOWR(EDUDMA_IOC_MAGIC, 0x20, struct edudma_transfer)
#define EDUDMA_IOC_COPY		_IOWR(EDUDMA_IOC_MAGIC, 0x21, struct edudma_copy)
#define EDUDMA_IOC_SUBMIT	_IOWR(EDUDMA_IOC_MAGIC, 0x22, struct edudma_submit)
#define EDUDMA_IOC_REAP		_IOWR(EDUDMA_IOC_MAGIC, 0x23, struct edudma_reap)
#define EDUDMA_IOC_CANCEL	_IOWR(EDUDMA_IOC_MAGIC, 0x24, struct edudma_cancel)
#define EDUDMA_IOC_LAB		_IOWR(EDUDMA_IOC_MAGIC, 0x30, struct edudma_lab)

#endif /* _UAPI_LINUX_EDUDMA_H */
