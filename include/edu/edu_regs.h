/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The QEMU edu device (PCI 1234:11e8): its registers and the rules a command
 * must obey. This is the one place that knows them. The kernel driver and
 * the userspace VFIO backend both include it, so the window and quirk rules
 * are the same code on both paths. Facts: docs/edu-device.md (read from
 * QEMU 7.2's hw/misc/edu.c).
 *
 * Header-only and free of kernel or libc dependencies beyond fixed-width
 * integer types.
 */
#ifndef EDU_REGS_H
#define EDU_REGS_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef u32 edu_u32;
typedef u64 edu_u64;
#else
#include <stdint.h>
typedef uint32_t edu_u32;
typedef uint64_t edu_u64;
#endif

#define EDU_PCI_VENDOR		0x1234
#define EDU_PCI_DEVICE		0x11e8
#define EDU_BAR			0
#define EDU_BAR_SIZE		(1u << 20)

/* Below 0x80 only 4-byte accesses work; from 0x80 up, 4 or 8 bytes. */
#define EDU_REG_IDENT		0x00	/* 0xMMmm00ed */
#define EDU_REG_LIVENESS	0x04	/* reads back ~value written */
#define EDU_REG_FACT		0x08	/* write n, read n! (mod 2^32) */
#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60	/* ORs the value into IRQ_STATUS */
#define EDU_REG_IRQ_ACK		0x64	/* clears the bits written */
#define EDU_REG_DMA_SRC		0x80	/* 64-bit */
#define EDU_REG_DMA_DST		0x88	/* 64-bit */
#define EDU_REG_DMA_COUNT	0x90	/* 64-bit */
#define EDU_REG_DMA_CMD		0x98	/* 64-bit */

#define EDU_IDENT_MAGIC		0xedu
#define EDU_IDENT_MAGIC_MASK	0xffu
#define EDU_IDENT_MAJOR(id)	(((id) >> 24) & 0xffu)
#define EDU_IDENT_MINOR(id)	(((id) >> 16) & 0xffu)
#define EDU_SUPPORTED_MAJOR	1

#define EDU_STATUS_COMPUTING	0x01u	/* factorial busy (read only) */
#define EDU_STATUS_FACT_IRQ	0x80u	/* raise EDU_IRQ_FACT when done */

#define EDU_IRQ_FACT		0x00000001u	/* factorial finished */
#define EDU_IRQ_DMA		0x00000100u	/* DMA command finished */
#define EDU_IRQ_DRIVER_BITS	(EDU_IRQ_FACT | EDU_IRQ_DMA)

#define EDU_DMA_RUN		0x1u
#define EDU_DMA_FROM_DEVICE	0x2u	/* 0: RAM -> device, 1: device -> RAM */
#define EDU_DMA_IRQ		0x4u	/* raise EDU_IRQ_DMA when done */

/* The device-side buffer. */
#define EDU_DEV_BUF_ADDR	0x40000u
#define EDU_DEV_BUF_SIZE	4096u

/*
 * QEMU 7.2 aborts the whole VM (hw_error) on a command whose count is 0 or
 * that touches the buffer's last byte: it requires start + count < 0x41000.
 * QEMU >= 9.1 accepts the whole 4096 bytes. So the window - the bytes a
 * command may use, from the start of the device buffer - is 4095 by default.
 */
#define EDU_WINDOW_SAFE		(EDU_DEV_BUF_SIZE - 1)
#define EDU_WINDOW_FULL		EDU_DEV_BUF_SIZE

/* The device's default DMA mask (QEMU's dma_mask property): 28 bits. */
#define EDU_DMA_BITS_DEFAULT	28

/* Each DMA command completes 100 ms (QEMU virtual time) after RUN. */
#define EDU_CMD_NS		100000000ull

/*
 * True when a command of 'count' bytes at 'dev_offset' into the device
 * buffer stays inside a window of 'window' bytes. Every command the driver
 * or the VFIO backend issues must pass this; it is what keeps QEMU alive.
 */
static inline int edu_window_ok(edu_u64 dev_offset, edu_u64 count,
				edu_u32 window)
{
	return window >= 1 && window <= EDU_DEV_BUF_SIZE && count > 0 &&
	       dev_offset < window && count <= window - dev_offset;
}

/*
 * Is 'ident' (register EDU_REG_IDENT) an edu device of a version we drive?
 * 0, or why not: EDU_IDENT_NOT_EDU (no magic) or EDU_IDENT_BAD_MAJOR.
 */
#define EDU_IDENT_OK		0
#define EDU_IDENT_NOT_EDU	1
#define EDU_IDENT_BAD_MAJOR	2

static inline int edu_ident_check(edu_u32 ident)
{
	if ((ident & EDU_IDENT_MAGIC_MASK) != EDU_IDENT_MAGIC)
		return EDU_IDENT_NOT_EDU;
	if (EDU_IDENT_MAJOR(ident) != EDU_SUPPORTED_MAJOR)
		return EDU_IDENT_BAD_MAJOR;
	return EDU_IDENT_OK;
}

/*
 * The liveness check: write each pattern to EDU_REG_LIVENESS and read back
 * its bitwise NOT. All zeros and all ones are among them, so a stuck bus
 * (or a device gone from it) cannot pass.
 */
#define EDU_LIVENESS_PATTERNS	5

static inline edu_u32 edu_liveness_pattern(unsigned int i)
{
	switch (i) {
	case 0: return 0x00000000u;
	case 1: return 0xffffffffu;
	case 2: return 0x12345678u;
	case 3: return 0xa5a5a5a5u;
	default: return 0x5a5a5a5au;
	}
}

/*
 * What an interrupt handler does with the status it read: 0 means the
 * interrupt is not this device's (INTx may be shared). All ones may mean
 * that the device is gone from the bus - but it is also a status the
 * device can really hold (the self-test raises any bits but the driver's,
 * and with a DMA and a factorial completion pending every bit is set), so
 * the handler asks the identification register, which reads all ones only
 * when nothing answers: 'ident' is its value, read only when status is all
 * ones. Otherwise acknowledge exactly the bits read (EDU_REG_IRQ_ACK), then
 * act on them: INTx stays asserted until every bit is acknowledged.
 */
static inline int edu_irq_status_valid(edu_u32 status, edu_u32 ident)
{
	return status != 0 &&
	       (status != 0xffffffffu || ident != 0xffffffffu);
}

#endif /* EDU_REGS_H */
