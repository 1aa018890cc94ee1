/* SPDX-License-Identifier: MIT */
/*
 * edusg_vfio - raw VFIO plumbing for the edu-sg device (include/edu/
 * edusg_regs.h) from a guest test program: find the devices, bind them to
 * vfio-pci, open container/group/device, map BAR0 (registers) and BAR2
 * (on-card RAM), map memory for the device's DMA (type1 IOMMU), and its
 * interrupt as an eventfd (MSI, or INTx with unmask).
 *
 * Self-contained (libc, <linux/vfio.h>, edusg_regs.h): tests/guest/
 * test_edusg.c uses it, and so can the next programs that drive edu-sg
 * without a driver. Functions return 0 or -errno and print what failed.
 */
#ifndef EDUSG_VFIO_H
#define EDUSG_VFIO_H

#include <stddef.h>
#include <stdint.h>

#include <edu/edusg_regs.h>

/* One edu-sg opened through VFIO (a container of its own). */
struct edusg_vfio {
	char addr[32];			/* "0000:00:04.0" */
	int group_id;
	int container, group, device;
	volatile uint8_t *regs;		/* BAR0, EDUSG_BAR_REGS_SIZE bytes */
	size_t regs_len;
	uint8_t *card;			/* BAR2: on-card RAM */
	size_t card_len;
	uint64_t cfg_off;		/* config space region offset */
	int irq_fd;			/* eventfd, -1 when no interrupt is set up */
	int irq_index;			/* VFIO_PCI_MSI_IRQ_INDEX / _INTX_, -1 */
	uint64_t next_iova;		/* edusg_vfio_map_auto()'s bump pointer */
	uint64_t iova_limit;
};

/* PCI addresses of every edu-sg (1af4:10f5, subsystem 1af4:5347), sorted. */
int edusg_vfio_find(char addrs[][32], int max);

/* modprobe vfio-pci and vfio_iommu_type1 (busybox ignores the softdep). */
int edusg_vfio_load_modules(void);

/*
 * Bind 'addr' to vfio-pci (driver_override, unbind from any other driver,
 * drivers_probe); edusg_vfio_unbind() undoes it (no driver afterwards).
 */
int edusg_vfio_bind(const char *addr);
int edusg_vfio_unbind(const char *addr);

/*
 * Open a device bound to vfio-pci: container (type1), group, device fd,
 * BAR0 and BAR2 mmap'd, memory decoding and bus mastering on. IOVAs for
 * edusg_vfio_map_auto() are handed out from [iova_base, iova_limit).
 */
int edusg_vfio_open(const char *addr, uint64_t iova_base, uint64_t iova_limit,
		    struct edusg_vfio *v);
void edusg_vfio_close(struct edusg_vfio *v);

/* Registers (BAR0), 32 and 64 bits. */
static inline uint32_t edusg_rd(const struct edusg_vfio *v, uint32_t off)
{
	return *(volatile uint32_t *)(v->regs + off);
}
static inline void edusg_wr(const struct edusg_vfio *v, uint32_t off, uint32_t val)
{
	__sync_synchronize();	/* descriptors in memory before the doorbell */
	*(volatile uint32_t *)(v->regs + off) = val;
}
static inline uint64_t edusg_rd64(const struct edusg_vfio *v, uint32_t off)
{
	return *(volatile uint64_t *)(v->regs + off);
}
static inline void edusg_wr64(const struct edusg_vfio *v, uint32_t off, uint64_t val)
{
	__sync_synchronize();
	*(volatile uint64_t *)(v->regs + off) = val;
}

/* Config space through the VFIO config region. */
int edusg_vfio_cfg_read(struct edusg_vfio *v, uint32_t off, void *buf, size_t len);
int edusg_vfio_cfg_write(struct edusg_vfio *v, uint32_t off, const void *buf, size_t len);
/* Set or clear PCI_COMMAND_MASTER. */
int edusg_vfio_bus_master(struct edusg_vfio *v, int on);

/*
 * Page-aligned anonymous memory, faulted in (munmap() it). NULL on failure.
 */
void *edusg_vfio_alloc(size_t len);

#define EDUSG_MAP_READ	0x1	/* the device may read it */
#define EDUSG_MAP_WRITE	0x2	/* the device may write it */
#define EDUSG_MAP_RW	(EDUSG_MAP_READ | EDUSG_MAP_WRITE)

/* VFIO_IOMMU_MAP_DMA of [vaddr, vaddr + len) at 'iova' (page multiples). */
int edusg_vfio_map(struct edusg_vfio *v, void *vaddr, uint64_t iova,
		   uint64_t len, int access);
/* The same at the next free IOVA of the bump allocator; *iova set. */
int edusg_vfio_map_auto(struct edusg_vfio *v, void *vaddr, uint64_t len,
			int access, uint64_t *iova);
int edusg_vfio_unmap(struct edusg_vfio *v, uint64_t iova, uint64_t len);

/*
 * Interrupts as an eventfd (v->irq_fd): MSI, INTx (auto-masked by vfio-pci
 * on every interrupt: clear the device's cause, then _intx_unmask()), or
 * none. Switching tears the previous one down first.
 */
int edusg_vfio_irq_msi(struct edusg_vfio *v);
int edusg_vfio_irq_intx(struct edusg_vfio *v);
int edusg_vfio_intx_unmask(struct edusg_vfio *v);
int edusg_vfio_irq_off(struct edusg_vfio *v);
/*
 * Wait up to timeout_ms (CLOCK_MONOTONIC) for the eventfd: the count of
 * interrupts since the last read (>= 1), 0 on timeout, -errno.
 */
int64_t edusg_vfio_irq_wait(struct edusg_vfio *v, int timeout_ms);
/* Read and drop whatever the eventfd holds: the count (0 if none). */
uint64_t edusg_vfio_irq_drain(struct edusg_vfio *v);

#endif /* EDUSG_VFIO_H */
