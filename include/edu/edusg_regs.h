/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * edu-sg: an edu-style PCI device with a scatter-gather descriptor engine
 * (this project's QEMU device model, qemu/edu_sg.c). Its registers, its
 * descriptor and its completion record. This is the one place that knows
 * them: the device model, the driver, libdma's VFIO backend and the tests
 * all include it. The specification, with the rules behind every field, is
 * docs/edu-sg.md.
 *
 * Everything the device reads or writes in memory is little-endian.
 * Header-only and free of kernel or libc dependencies beyond fixed-width
 * integer types.
 */
#ifndef EDUSG_REGS_H
#define EDUSG_REGS_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef u32 edusg_u32;
typedef u64 edusg_u64;
#else
#include <stdint.h>
typedef uint32_t edusg_u32;
typedef uint64_t edusg_u64;
#endif

/*
 * PCI identity. 1af4:10f0-10ff is the range QEMU's PCI ID registry
 * (docs/specs/pci-ids) leaves for experimental devices without
 * registration; no QEMU device model and no Linux driver claims 10f5
 * (virtio-pci leaves every 1af4 ID above 0x107f alone). Another experiment
 * could pick the same number, so a driver matches the subsystem IDs as
 * well and checks EDUSG_REG_IDENT.
 */
#define EDUSG_PCI_VENDOR	0x1af4
#define EDUSG_PCI_DEVICE	0x10f5
#define EDUSG_PCI_SUBVENDOR	0x1af4
#define EDUSG_PCI_SUBDEVICE	0x5347	/* "SG" */
#define EDUSG_PCI_REVISION	0x01

#define EDUSG_BAR_REGS		0	/* 4 KiB of registers */
#define EDUSG_BAR_REGS_SIZE	0x1000u
#define EDUSG_BAR_CARD		2	/* on-card RAM, 64-bit prefetchable */

/*
 * Registers (BAR0). 32 bits wide; a 64-bit quantity is a _LO/_HI pair that
 * may also be accessed as one 8-byte access at _LO. Use naturally aligned
 * 4- and 8-byte accesses only; unknown offsets read 0 and ignore writes.
 */
/* Identity and limits, read only */
#define EDUSG_REG_IDENT		0x000	/* EDUSG_IDENT */
#define EDUSG_REG_VERSION	0x004	/* major << 16 | minor */
#define EDUSG_REG_CAPS		0x008	/* EDUSG_CAP_* */
#define EDUSG_REG_CARD_SIZE	0x00c	/* bytes of on-card RAM */
#define EDUSG_REG_MAX_LEN	0x010	/* largest descriptor length, bytes */
#define EDUSG_REG_MAX_RING	0x014	/* largest ring, descriptors */
#define EDUSG_REG_FETCH_AHEAD	0x018	/* timing model: descriptors */
#define EDUSG_REG_LATENCY_NS	0x01c	/* timing model: per descriptor */
#define EDUSG_REG_BANDWIDTH_LO	0x020	/* timing model: bytes/s, 0 = off */
#define EDUSG_REG_BANDWIDTH_HI	0x024
#define EDUSG_REG_DMA_MASK_LO	0x028	/* host addresses it can drive */
#define EDUSG_REG_DMA_MASK_HI	0x02c
/* Control and state */
#define EDUSG_REG_CTRL		0x040	/* EDUSG_CTRL_* */
#define EDUSG_REG_STATUS	0x044	/* EDUSG_STATUS_*, read only */
#define EDUSG_REG_ERROR		0x048	/* EDUSG_HALT_* why it halted, RO */
#define EDUSG_REG_ERROR_INFO	0x04c	/* ring index or field, RO */
#define EDUSG_REG_IRQ_STATUS	0x050	/* EDUSG_IRQ_*, read only */
#define EDUSG_REG_IRQ_ACK	0x054	/* write 1s to clear */
#define EDUSG_REG_IRQ_MASK	0x058	/* 1 = enabled; 0 after reset */
#define EDUSG_REG_IRQ_RAISE	0x05c	/* write 1s to set (tests) */
/* The ring; writable while the engine is disabled */
#define EDUSG_REG_RING_LO	0x060	/* descriptor ring base */
#define EDUSG_REG_RING_HI	0x064
#define EDUSG_REG_RING_SIZE	0x068	/* descriptors, a power of two */
#define EDUSG_REG_CPL_LO	0x070	/* completion record address */
#define EDUSG_REG_CPL_HI	0x074
#define EDUSG_REG_TAIL		0x078	/* doorbell: next index the driver fills */
#define EDUSG_REG_HEAD		0x07c	/* next index to complete, RO */
/* Counters, read only; zeroed when the engine is enabled */
#define EDUSG_REG_DESC_DONE	0x080	/* descriptors completed */
#define EDUSG_REG_REQ_DONE	0x084	/* EOR descriptors completed */
#define EDUSG_REG_ERR_COUNT	0x088	/* descriptors completed in error */
/* Device clock and statistics, read only, 64-bit */
#define EDUSG_REG_TIME_LO	0x090	/* device clock, ns (QEMU's virtual clock) */
#define EDUSG_REG_TIME_HI	0x094
#define EDUSG_REG_BUSY_NS_LO	0x098	/* sum of descriptors' elapsed time */
#define EDUSG_REG_BUSY_NS_HI	0x09c
#define EDUSG_REG_BYTES_LO	0x0a0	/* bytes moved */
#define EDUSG_REG_BYTES_HI	0x0a4
/* Liveness: reads back the bitwise complement of what was written */
#define EDUSG_REG_SCRATCH	0x0f0

#define EDUSG_IDENT		0x45445347u	/* "EDSG" */
#define EDUSG_VERSION_MAJOR(v)	(((v) >> 16) & 0xffffu)
#define EDUSG_VERSION_MINOR(v)	((v) & 0xffffu)
#define EDUSG_SUPPORTED_MAJOR	1
#define EDUSG_MINOR		1	/* 1.1: EDUSG_IRQ_SOFT */

#define EDUSG_CAP_MSI		0x1u	/* MSI, one vector; INTx otherwise */
#define EDUSG_CAP_TIMING	0x2u	/* the timing model is on */

#define EDUSG_CTRL_ENABLE	0x1u	/* run the ring (0 -> 1 starts at index 0) */
#define EDUSG_CTRL_RESET	0x2u	/* reset the whole device, self-clearing */

#define EDUSG_STATUS_ENABLED	0x1u
#define EDUSG_STATUS_BUSY	0x2u	/* descriptors posted and not completed */
#define EDUSG_STATUS_HALTED	0x4u	/* stopped on a ring error: EDUSG_REG_ERROR */

/* Why the engine halted (EDUSG_REG_ERROR); ERROR_INFO says where. */
#define EDUSG_HALT_NONE		0
#define EDUSG_HALT_CONFIG	1	/* ring/record registers invalid at enable;
					 * info: EDUSG_FIELD_* */
#define EDUSG_HALT_TAIL		2	/* tail >= ring size; info: the tail */
#define EDUSG_HALT_OVERFLOW	3	/* tail passed the head: more than
					 * size - 1 posted; info: the tail */
#define EDUSG_HALT_FETCH	4	/* a descriptor could not be read
					 * (not RAM, IOMMU fault, bus master
					 * off); info: its index */
#define EDUSG_HALT_WRITEBACK	5	/* status or record could not be
					 * written; info: the index */

#define EDUSG_FIELD_RING_BASE	1	/* unaligned, past the DMA mask, wraps */
#define EDUSG_FIELD_RING_SIZE	2	/* not a power of two in [2, MAX_RING] */
#define EDUSG_FIELD_CPL		3	/* unaligned, past the mask, in the ring */

#define EDUSG_IRQ_DONE		0x1u	/* a descriptor with EDUSG_DESC_IRQ completed */
#define EDUSG_IRQ_DESC_ERROR	0x2u	/* a descriptor completed in error */
#define EDUSG_IRQ_HALT		0x4u	/* the engine halted */
#define EDUSG_IRQ_ALL		0x7u	/* the engine's events */
/*
 * Software bits (version 1.1): never raised by the engine, only by a write
 * to EDUSG_REG_IRQ_RAISE - a driver's interrupt self-test uses them
 * without faking an engine event. Masked and acknowledged like the others.
 */
#define EDUSG_IRQ_SOFT		0xffff0000u
#define EDUSG_IRQ_VALID		(EDUSG_IRQ_ALL | EDUSG_IRQ_SOFT)

/*
 * The descriptor: 32 bytes, in a ring of EDUSG_REG_RING_SIZE entries at
 * EDUSG_REG_RING (aligned to 32 bytes). The driver fills src, dst, len and
 * flags (and zeroes status) before it moves the tail past it; the device
 * writes status and elapsed back when the descriptor completes.
 */
#define EDUSG_DESC_SIZE		32u
#define EDUSG_DESC_SRC		0x00	/* u64: host address, or card offset */
#define EDUSG_DESC_DST		0x08	/* u64 */
#define EDUSG_DESC_LEN		0x10	/* u32: 1 .. EDUSG_REG_MAX_LEN bytes */
#define EDUSG_DESC_FLAGS	0x14	/* u32: EDUSG_DESC_* */
#define EDUSG_DESC_STATUS	0x18	/* u32, written back: EDUSG_ST_* */
#define EDUSG_DESC_ELAPSED	0x1c	/* u32, written back: ns, saturating */

struct edusg_desc {
	edusg_u64 src;
	edusg_u64 dst;
	edusg_u32 len;
	edusg_u32 flags;
	edusg_u32 status;
	edusg_u32 elapsed_ns;
};

/*
 * Fill a descriptor for posting: the driver's fields, and status zeroed so
 * the device's write-back is what tells it done. (The fields are stored in
 * CPU order: on a big-endian CPU a driver converts them to little-endian.)
 */
static inline void edusg_desc_fill(struct edusg_desc *d, edusg_u64 src,
				   edusg_u64 dst, edusg_u32 len, edusg_u32 flags)
{
	d->src = src;
	d->dst = dst;
	d->len = len;
	d->flags = flags;
	d->status = 0;
	d->elapsed_ns = 0;
}

#define EDUSG_DESC_SRC_CARD	0x1u	/* src is an offset into on-card RAM */
#define EDUSG_DESC_DST_CARD	0x2u	/* dst is an offset into on-card RAM */
#define EDUSG_DESC_IRQ		0x4u	/* raise EDUSG_IRQ_DONE on completion */
#define EDUSG_DESC_EOR		0x8u	/* last descriptor of a request */
#define EDUSG_DESC_FLAGS_ALL	0xfu	/* any other bit: EDUSG_ERR_FLAGS */

/* status: DONE, and an error code in the low byte (0: the data moved) */
#define EDUSG_ST_DONE		0x80000000u
#define EDUSG_ST_CODE(st)	((st) & 0xffu)
#define EDUSG_ERR_OK		0
#define EDUSG_ERR_LEN		1	/* length 0 or above MAX_LEN */
#define EDUSG_ERR_FLAGS		2	/* a reserved flag bit set */
#define EDUSG_ERR_CARD_RANGE	3	/* card offset + len beyond CARD_SIZE */
#define EDUSG_ERR_MASK		4	/* host range beyond the DMA mask or 2^64 */
#define EDUSG_ERR_READ		5	/* source unreadable: not RAM, IOMMU
					 * fault, bus master off */
#define EDUSG_ERR_WRITE		6	/* destination unwritable: the same */
#define EDUSG_ERR_SKIPPED	7	/* an earlier descriptor of this request
					 * failed; nothing moved */

/*
 * The completion record: 16 bytes at EDUSG_REG_CPL (aligned to 16),
 * rewritten after every completed descriptor, after its status. A driver
 * reaps everything up to desc_done without reading a register.
 */
#define EDUSG_CPL_SIZE		16u

struct edusg_cpl {
	edusg_u32 desc_done;	/* = EDUSG_REG_DESC_DONE */
	edusg_u32 req_done;	/* = EDUSG_REG_REQ_DONE */
	edusg_u32 err_count;	/* = EDUSG_REG_ERR_COUNT */
	edusg_u32 head;		/* = EDUSG_REG_HEAD */
};

/* Timing model defaults (docs/edu-sg.md "Timing model") */
#define EDUSG_DEFAULT_BANDWIDTH		3200000000ull	/* PCIe Gen3 x4, ~81% */
#define EDUSG_DEFAULT_LATENCY_NS	1000u
#define EDUSG_DEFAULT_FETCH_AHEAD	4u
#define EDUSG_MAX_FETCH_AHEAD		64u
#define EDUSG_MAX_LEN			(1u << 24)
#define EDUSG_MAX_RING			65536u
#define EDUSG_DEFAULT_CARD_SIZE		(16u << 20)

#endif /* EDUSG_REGS_H */
