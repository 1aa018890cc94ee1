// SPDX-License-Identifier: MIT
/*
 * The device as this process reaches it, the VFIO twin of
 * driver/edudma_hw.c: who may touch it (the process that opened it), BAR0
 * and config space through the mapping or the device fd, and the check
 * the driver's probe makes before it trusts the hardware. Everything
 * above (interrupts, engine, open) speaks of registers only through
 * here; this file calls no other file of the backend.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include <edu/edu_regs.h>

#include "vfio_internal.h"

/* The device, if this process opened it (not a parent before fork()). */
int libdma__vfio_own(const struct libdma_device *dev, struct vfio_dev **vdp)
{
	struct vfio_dev *vd = dev->backend;

	*vdp = vd;
	if (vd->pid == getpid())
		return 0;
	return libdma__fail(-EBADF, "%s was opened through VFIO by process %d: "
			    "after fork() the child must open the device "
			    "itself (once the parent has closed it)", vd->node,
			    (int)vd->pid);
}

int libdma__vfio_fail(struct vfio_dev *vd, int err, const char *what,
		      int sys_errno)
{
	return libdma__fail(err, "cannot use %s through VFIO: %s: %s", vd->addr,
			    what, strerror(sys_errno));
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ registers */

/*
 * BAR0 accesses: 4 bytes below 0x80, 8 bytes for the 64-bit DMA
 * registers (include/edu/edu_regs.h). Through the mapping when vfio-pci
 * allows one, else through the device fd.
 */
uint32_t libdma__vfio_rd32(struct vfio_dev *vd, uint32_t reg)
{
	uint32_t v = ~0u;

	if (vd->bar)
		return *(volatile uint32_t *)(vd->bar + reg);
	if (pread(vd->device, &v, 4, (off_t)(vd->bar_offset + reg)) != 4)
		return ~0u;
	return v;
}

void libdma__vfio_wr32(struct vfio_dev *vd, uint32_t reg, uint32_t v)
{
	if (vd->bar)
		*(volatile uint32_t *)(vd->bar + reg) = v;
	else if (pwrite(vd->device, &v, 4, (off_t)(vd->bar_offset + reg)) != 4)
		vd->wedged = true;	/* nothing reaches the device */
}

uint64_t libdma__vfio_rd64(struct vfio_dev *vd, uint32_t reg)
{
	uint64_t v = ~0ull;

	if (vd->bar)
		return *(volatile uint64_t *)(vd->bar + reg);
	if (pread(vd->device, &v, 8, (off_t)(vd->bar_offset + reg)) != 8)
		return ~0ull;
	return v;
}

/* A 64-bit register written whole (a lone 4-byte write zeroes the top). */
void libdma__vfio_wr64(struct vfio_dev *vd, uint32_t reg, uint64_t v)
{
	if (vd->bar) {
#if UINTPTR_MAX > 0xffffffffu
		*(volatile uint64_t *)(vd->bar + reg) = v;
#else
		/* Low half first: that write zeroes the upper half. */
		*(volatile uint32_t *)(vd->bar + reg) = (uint32_t)v;
		*(volatile uint32_t *)(vd->bar + reg + 4) = (uint32_t)(v >> 32);
#endif
	} else if (pwrite(vd->device, &v, 8, (off_t)(vd->bar_offset + reg)) != 8) {
		vd->wedged = true;
	}
}

static int config_rw16(struct vfio_dev *vd, uint32_t off, uint16_t *v, bool write)
{
	ssize_t n = write ? pwrite(vd->device, v, 2, (off_t)(vd->config_offset + off)) :
			    pread(vd->device, v, 2, (off_t)(vd->config_offset + off));

	return n == 2 ? 0 : -EIO;
}

/* Set or clear bits of the PCI command register. */
int libdma__vfio_pci_command(struct vfio_dev *vd, uint16_t set, uint16_t clear)
{
	uint16_t cmd;

	if (config_rw16(vd, PCI_COMMAND, &cmd, false))
		return -EIO;
	cmd = (uint16_t)((cmd | set) & ~clear);
	return config_rw16(vd, PCI_COMMAND, &cmd, true);
}

bool libdma__vfio_dma_busy(struct vfio_dev *vd)
{
	return libdma__vfio_rd64(vd, EDU_REG_DMA_CMD) & EDU_DMA_RUN;
}

/* ------------------------------------------------------- hardware check */

/* What the driver's probe checks (edu_regs.h), then a clean device state. */
int libdma__vfio_check_hw(struct vfio_dev *vd)
{
	unsigned int i, waited = 0;
	unsigned int grace = LIBDMA_VFIO_GRACE_FACTOR * vd->timeout_ms;
	uint32_t id = libdma__vfio_rd32(vd, EDU_REG_IDENT);

	switch (edu_ident_check(id)) {
	case EDU_IDENT_NOT_EDU:
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: ident "
				    "register 0x%08x lacks the edu magic 0x%02x%s",
				    vd->addr, id, EDU_IDENT_MAGIC, id == ~0u ?
				    " (the device does not answer)" : "");
	case EDU_IDENT_BAD_MAJOR:
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: edu "
				    "version %u.%u (ident 0x%08x), libdma "
				    "supports %u.x", vd->addr,
				    EDU_IDENT_MAJOR(id), EDU_IDENT_MINOR(id),
				    id, EDU_SUPPORTED_MAJOR);
	}
	for (i = 0; i < EDU_LIVENESS_PATTERNS; i++) {
		uint32_t pattern = edu_liveness_pattern(i), got;

		libdma__vfio_wr32(vd, EDU_REG_LIVENESS, pattern);
		got = libdma__vfio_rd32(vd, EDU_REG_LIVENESS);
		if (got != ~pattern)
			return libdma__fail(-EIO, "cannot use %s through VFIO: "
					    "liveness check failed: wrote 0x%08x, "
					    "read 0x%08x, expected 0x%08x",
					    vd->addr, pattern, got, ~pattern);
	}
	vd->ident = id;

	/*
	 * A process killed mid-transfer leaves its last command running;
	 * vfio-pci turned bus mastering off when it released the device, so
	 * the command lands nowhere. Wait for it before mastering is back on:
	 * otherwise it would write into whatever this process maps at its
	 * IOVA. (The factorial unit ignores writes while busy: wait for it.)
	 */
	while ((libdma__vfio_dma_busy(vd) ||
		(libdma__vfio_rd32(vd, EDU_REG_STATUS) & EDU_STATUS_COMPUTING)) &&
	       waited < grace) {
		sleep_ms(10);
		waited += 10;
	}
	if (libdma__vfio_dma_busy(vd))
		return libdma__fail(-EIO, "cannot use %s through VFIO: a DMA "
				    "command an earlier owner started has not "
				    "finished after %u ms; the device is wedged",
				    vd->addr, waited);
	libdma__vfio_wr32(vd, EDU_REG_STATUS, 0);
	/* Stale bits from an earlier owner would look like events. */
	libdma__vfio_wr32(vd, EDU_REG_IRQ_ACK, ~0u);
	return 0;
}
