/* SPDX-License-Identifier: MIT */
/*
 * libdma's VFIO backend against a fake VFIO, on the build host: no device,
 * no IOMMU, no root. The program is linked with ld --wrap (tests/tests.mk)
 * so that the static library's open, close, ioctl, mmap, munmap, pread and
 * pwrite, and its sysfs lookups (libdma__pci_*), land here first. The fake
 * plays /dev/vfio/vfio, the group /dev/vfio/<N> and the device fd (each a
 * real descriptor on /dev/null, so that leaks show in /proc/self/fd), and
 * behind the device fd a small edu: identification, liveness, interrupt
 * status and raise/ack, the DMA engine copying between the device buffer
 * and memory through the IOVA mappings the library made, completion
 * interrupts on the eventfd the library handed over - or, with F.edusg, an
 * edu-sg's identity, limits and ring registers (the open and identify
 * refusals of the edu-sg engine, and a clean open and close). Every
 * other call goes to the real function.
 *
 * Scripts then break one thing at a time - an ioctl of each step of open,
 * BAR0's mmap, a device that reads all ones, a DMA command that never
 * finishes or whose interrupt is lost, MAP_DMA/UNMAP_DMA refusals - and each
 * case checks libdma's -errno, its message (libdma_errmsg()), and that
 * nothing is left: every descriptor closed, BAR0 unmapped, no IOMMU mapping
 * left in the fake container once the device is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <edu/edu_regs.h>
#include <edu/edusg_regs.h>
#include <libdma.h>

#include "../common/edutest.h"

#define ADDR		"0000:00:04.0"
#define SPEC		"vfio:" ADDR
#define GROUP		7
#define CONFIG_OFF	0x70000000000ull	/* config space in the device fd */
#define PAGE		4096ul

/* ------------------------------------------------------------- the fake */

int __real_open(const char *path, int flags, ...);
int __real_close(int fd);
int __real_ioctl(int fd, unsigned long req, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);
ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __real_pwrite(int fd, const void *buf, size_t n, off_t off);

#define MAX_MAPS 64

struct fake_map {
	uint64_t iova, size, vaddr;
	uint32_t flags;
};

/* What the fake does; reset before each case (fake_reset). */
static struct fake {
	/* sysfs */
	int sysfs_missing;		/* no such PCI device */
	int not_edu;			/* vendor/device of something else */
	const char *driver;		/* bound to */
	int group;			/* IOMMU group, -1 none */
	int iommu_present;
	/* the container and the group */
	int container_errno;		/* open /dev/vfio/vfio fails */
	int group_errno;		/* open /dev/vfio/<N> fails */
	int api_version;
	int type1;			/* CHECK_EXTENSION answers */
	int viable;
	unsigned long fail_req;		/* this ioctl fails ... */
	int fail_errno;			/* ... with this */
	int iova_above_mask;		/* the IOMMU's only valid range is high */
	/* the device fd */
	int not_pci;
	uint64_t bar_size;
	int bar_mmap;			/* region flags offer mmap ... */
	int bar_mmap_refused;		/* ... and mmap() then fails */
	int config_broken;		/* pread/pwrite of config space fail */
	int bar_write_broken;		/* pwrite of BAR0 fails */
	int irq_count;			/* MSI vectors offered */
	/* the edu */
	uint32_t ident;
	int dead;			/* every register reads all ones */
	int liveness_stuck;		/* liveness does not invert */
	int dma_left_running;		/* a command an earlier owner left: never ends */
	int dma_hang;			/* commands never finish */
	int irq_lost;			/* commands finish, no interrupt */
	int irq_late;			/* commands finish on the 3rd status read */
	int late_reads, late_now;
	int irq_raise_dead;		/* IRQ_RAISE does nothing */
	int map_errno;			/* MAP_DMA fails with this */
	int unmap_broken;		/* UNMAP_DMA fails */
	/* an edu-sg instead (1af4:10f5) */
	int edusg;
	int sub_wrong;			/* subsystem IDs of someone else's */
	uint32_t sg_version, sg_max_ring, sg_card;
	uint64_t sg_mask;
	int sg_refuse_ring;		/* ENABLE halts: HALT_CONFIG */
	uint32_t sg_ctrl, sg_irq_mask, sg_resets;
	uint64_t sg_ring, sg_cpl;

	/* state */
	int container_fd, group_fd, device_fd, irq_fd;
	void *bar;
	size_t bar_len;
	uint16_t pci_command;
	uint32_t liveness, status, irq_status, fact;
	uint64_t dma_src, dma_dst, dma_count, dma_cmd;
	uint8_t devbuf[EDU_DEV_BUF_SIZE];
	struct fake_map maps[MAX_MAPS];
	int nr_maps, map_calls, unmap_calls, irq_off_calls, commands;
} F;

static void fake_reset(void)
{
	memset(&F, 0, sizeof(F));
	F.driver = "vfio-pci";
	F.group = GROUP;
	F.iommu_present = 1;
	F.api_version = VFIO_API_VERSION;
	F.type1 = 1;
	F.viable = 1;
	F.bar_size = EDU_BAR_SIZE;
	F.bar_mmap = 1;
	F.bar_mmap_refused = 1;		/* registers through pread/pwrite */
	F.irq_count = 1;
	F.ident = 0x010000edu;
	F.container_fd = F.group_fd = F.device_fd = F.irq_fd = -1;
	unsetenv("LIBDMA_VFIO_TIMEOUT_MS");
	unsetenv("LIBDMA_VFIO_WINDOW");
	unsetenv("LIBDMA_VFIO_DMA_BITS");
}

/* sysfs, as vfio_sysfs.c asks it */
int __wrap_libdma__pci_attr(const char *addr, const char *attr, char *buf, size_t len);
void __wrap_libdma__pci_driver(const char *addr, char *out, size_t len);
int __wrap_libdma__pci_iommu_group(const char *addr);
int __wrap_libdma__iommu_present(void);
int __wrap_libdma__iommu_group_members(int group, const char *self, int blockers_only,
				       char *out, size_t len);
void __wrap_libdma__path_users(const char *path, char *out, size_t len);

int __wrap_libdma__pci_attr(const char *addr, const char *attr, char *buf, size_t len)
{
	if (F.sysfs_missing || strcmp(addr, ADDR))
		return -1;
	if (!strcmp(attr, "vendor"))
		snprintf(buf, len, "0x%04x", F.not_edu ? 0x8086 :
			 F.edusg ? EDUSG_PCI_VENDOR : EDU_PCI_VENDOR);
	else if (!strcmp(attr, "device"))
		snprintf(buf, len, "0x%04x", F.not_edu ? 0x100e :
			 F.edusg ? EDUSG_PCI_DEVICE : EDU_PCI_DEVICE);
	else if (!strcmp(attr, "subsystem_vendor"))
		snprintf(buf, len, "0x%04x", F.edusg ? EDUSG_PCI_SUBVENDOR : 0x1af4);
	else if (!strcmp(attr, "subsystem_device"))
		snprintf(buf, len, "0x%04x", F.edusg && !F.sub_wrong ?
			 EDUSG_PCI_SUBDEVICE : 0x1100);
	else if (!strcmp(attr, "numa_node"))
		snprintf(buf, len, "-1");
	else
		return -1;
	return 0;
}

void __wrap_libdma__pci_driver(const char *addr, char *out, size_t len)
{
	(void)addr;
	snprintf(out, len, "%s", F.driver);
}

int __wrap_libdma__pci_iommu_group(const char *addr)
{
	(void)addr;
	return F.group;
}

int __wrap_libdma__iommu_present(void)
{
	return F.iommu_present;
}

int __wrap_libdma__iommu_group_members(int group, const char *self, int blockers_only,
				       char *out, size_t len)
{
	(void)group; (void)self; (void)blockers_only;
	snprintf(out, len, "0000:00:05.0 (bound to e1000)");
	return 1;
}

void __wrap_libdma__path_users(const char *path, char *out, size_t len)
{
	(void)path;
	snprintf(out, len, "pid 4242 (qemu)");
}

/* the files */
int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (!strcmp(path, "/dev/vfio/vfio")) {
		if (F.container_errno) {
			errno = F.container_errno;
			return -1;
		}
		return F.container_fd = __real_open("/dev/null", O_RDWR | O_CLOEXEC);
	}
	if (!strncmp(path, "/dev/vfio/", 10)) {
		if (F.group_errno) {
			errno = F.group_errno;
			return -1;
		}
		if (atoi(path + 10) != F.group) {
			errno = ENOENT;
			return -1;
		}
		return F.group_fd = __real_open("/dev/null", O_RDWR | O_CLOEXEC);
	}
	return __real_open(path, flags, mode);
}

int __wrap_close(int fd);
int __wrap_close(int fd)
{
	if (fd >= 0 && fd == F.group_fd) {
		F.group_fd = -1;
		F.nr_maps = 0;		/* detaching the group drops every mapping */
	}
	if (fd >= 0 && fd == F.container_fd) {
		F.container_fd = -1;
		F.nr_maps = 0;
	}
	if (fd >= 0 && fd == F.device_fd)
		F.device_fd = -1;
	return __real_close(fd);
}

/* the edu behind BAR0 */
static void raise_irq(uint32_t bits)
{
	uint64_t one = 1;

	F.irq_status |= bits;
	if (F.irq_fd >= 0 && write(F.irq_fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static uint8_t *iova_to_ptr(uint64_t iova, uint64_t len)
{
	int i;

	for (i = 0; i < F.nr_maps; i++)
		if (iova >= F.maps[i].iova && iova + len <= F.maps[i].iova + F.maps[i].size)
			return (uint8_t *)(uintptr_t)(F.maps[i].vaddr + (iova - F.maps[i].iova));
	return NULL;
}

static void dma_start(void)
{
	int from_dev = !!(F.dma_cmd & EDU_DMA_FROM_DEVICE);
	uint64_t ram = from_dev ? F.dma_dst : F.dma_src;
	uint64_t dev = from_dev ? F.dma_src : F.dma_dst;
	uint8_t *p = iova_to_ptr(ram, F.dma_count);

	if (!F.late_now)
		F.commands++;
	if (F.dma_hang)
		return;			/* RUN stays set */
	if (F.irq_late && !F.late_now) {
		F.late_reads = 3;	/* finish later (reg_read) */
		return;
	}
	if (p && dev >= EDU_DEV_BUF_ADDR && dev + F.dma_count <= EDU_DEV_BUF_ADDR + EDU_DEV_BUF_SIZE) {
		if (from_dev)
			memcpy(p, F.devbuf + (dev - EDU_DEV_BUF_ADDR), F.dma_count);
		else
			memcpy(F.devbuf + (dev - EDU_DEV_BUF_ADDR), p, F.dma_count);
	}
	F.dma_cmd &= ~(uint64_t)EDU_DMA_RUN;
	if ((F.dma_cmd & EDU_DMA_IRQ) && !F.irq_lost)
		raise_irq(EDU_IRQ_DMA);
}

/* The edu-sg's registers: identity, limits, control (no descriptor engine). */
static uint64_t sg_reg_read(uint32_t reg)
{
	switch (reg) {
	case EDUSG_REG_IDENT:		return F.ident;
	case EDUSG_REG_VERSION:		return F.sg_version;
	case EDUSG_REG_CARD_SIZE:	return F.sg_card;
	case EDUSG_REG_MAX_LEN:		return EDUSG_MAX_LEN;
	case EDUSG_REG_MAX_RING:	return F.sg_max_ring;
	case EDUSG_REG_DMA_MASK_LO:	return F.sg_mask;
	case EDUSG_REG_SCRATCH:		return F.liveness_stuck ? F.liveness : ~F.liveness;
	case EDUSG_REG_CTRL:		return F.sg_ctrl;
	case EDUSG_REG_STATUS:
		if (F.sg_refuse_ring)
			return EDUSG_STATUS_HALTED;
		return F.sg_ctrl & EDUSG_CTRL_ENABLE ? EDUSG_STATUS_ENABLED : 0;
	case EDUSG_REG_ERROR:		return F.sg_refuse_ring ? EDUSG_HALT_CONFIG : 0;
	case EDUSG_REG_ERROR_INFO:	return F.sg_refuse_ring ? EDUSG_FIELD_RING_BASE : 0;
	case EDUSG_REG_IRQ_STATUS:	return F.irq_status;
	case EDUSG_REG_IRQ_MASK:	return F.sg_irq_mask;
	}
	return 0;
}

static void sg_reg_write(uint32_t reg, uint64_t v)
{
	switch (reg) {
	case EDUSG_REG_SCRATCH:	 F.liveness = (uint32_t)v; break;
	case EDUSG_REG_CTRL:
		if (v & EDUSG_CTRL_RESET) {
			F.sg_resets++;
			F.sg_ctrl = F.sg_irq_mask = 0;
			F.sg_ring = F.sg_cpl = 0;
			F.irq_status = 0;
		} else {
			F.sg_ctrl = (uint32_t)v & EDUSG_CTRL_ENABLE;
		}
		break;
	case EDUSG_REG_RING_LO:	 F.sg_ring = v; break;
	case EDUSG_REG_CPL_LO:	 F.sg_cpl = v; break;
	case EDUSG_REG_IRQ_MASK: F.sg_irq_mask = (uint32_t)v; break;
	case EDUSG_REG_IRQ_ACK:	 F.irq_status &= ~(uint32_t)v; break;
	case EDUSG_REG_IRQ_RAISE:
		if (!F.irq_raise_dead)
			raise_irq((uint32_t)v);
		break;
	}
}

static uint64_t reg_read(uint32_t reg)
{
	if (F.dead)
		return ~0ull;
	if (F.edusg)
		return sg_reg_read(reg);
	switch (reg) {
	case EDU_REG_IDENT:	 return F.ident;
	case EDU_REG_LIVENESS:	 return F.liveness_stuck ? F.liveness : ~F.liveness;
	case EDU_REG_FACT:	 return F.fact;
	case EDU_REG_STATUS:	 return F.status;
	case EDU_REG_IRQ_STATUS:
		if (F.late_reads && --F.late_reads == 0) {
			F.late_now = 1;	/* lands now, past the first wait */
			dma_start();
			F.late_now = 0;
		}
		return F.irq_status;
	case EDU_REG_DMA_SRC:	 return F.dma_src;
	case EDU_REG_DMA_DST:	 return F.dma_dst;
	case EDU_REG_DMA_COUNT:	 return F.dma_count;
	case EDU_REG_DMA_CMD:	 return F.dma_cmd | (F.dma_left_running ? EDU_DMA_RUN : 0);
	}
	return 0;
}

static void reg_write(uint32_t reg, uint64_t v)
{
	uint32_t i, f = 1;

	if (F.edusg) {
		sg_reg_write(reg, v);
		return;
	}
	switch (reg) {
	case EDU_REG_LIVENESS:	 F.liveness = (uint32_t)v; break;
	case EDU_REG_FACT:
		for (i = 2; i <= (uint32_t)v; i++)
			f *= i;
		F.fact = f;
		if (F.status & EDU_STATUS_FACT_IRQ)
			raise_irq(EDU_IRQ_FACT);
		break;
	case EDU_REG_STATUS:	 F.status = (uint32_t)v & EDU_STATUS_FACT_IRQ; break;
	case EDU_REG_IRQ_RAISE:
		if (!F.irq_raise_dead)
			raise_irq((uint32_t)v);
		break;
	case EDU_REG_IRQ_ACK:	 F.irq_status &= ~(uint32_t)v; break;
	case EDU_REG_DMA_SRC:	 F.dma_src = v; break;
	case EDU_REG_DMA_DST:	 F.dma_dst = v; break;
	case EDU_REG_DMA_COUNT:	 F.dma_count = v; break;
	case EDU_REG_DMA_CMD:
		F.dma_cmd = v;
		if (v & EDU_DMA_RUN)
			dma_start();
		break;
	}
}

ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off)
{
	uint64_t v;

	if (fd < 0 || fd != F.device_fd)
		return __real_pread(fd, buf, n, off);
	if ((uint64_t)off >= CONFIG_OFF) {
		if (F.config_broken || n != 2 || off - CONFIG_OFF != PCI_COMMAND) {
			errno = EIO;
			return -1;
		}
		memcpy(buf, &F.pci_command, 2);
		return 2;
	}
	v = reg_read((uint32_t)off);
	memcpy(buf, &v, n < 8 ? n : 8);
	return (ssize_t)n;
}

ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	uint64_t v = 0;

	if (fd < 0 || fd != F.device_fd)
		return __real_pwrite(fd, buf, n, off);
	if ((uint64_t)off >= CONFIG_OFF) {
		if (F.config_broken || n != 2 || off - CONFIG_OFF != PCI_COMMAND) {
			errno = EIO;
			return -1;
		}
		memcpy(&F.pci_command, buf, 2);
		return 2;
	}
	if (F.bar_write_broken) {
		errno = EIO;
		return -1;
	}
	memcpy(&v, buf, n < 8 ? n : 8);
	reg_write((uint32_t)off, v);
	return (ssize_t)n;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fd < 0 || fd != F.device_fd)
		return __real_mmap(addr, len, prot, flags, fd, off);
	if (F.bar_mmap_refused) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	/* plain memory: it does not invert liveness, the check must notice */
	F.bar = __real_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	F.bar_len = len;
	if (F.bar != MAP_FAILED)
		*(uint32_t *)F.bar = F.ident;
	return F.bar;
}

int __wrap_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len)
{
	if (addr && addr == F.bar)
		F.bar = NULL;
	return __real_munmap(addr, len);
}

static int fail_this(unsigned long req)
{
	if (F.fail_req != req)
		return 0;
	errno = F.fail_errno;
	return 1;
}

static int container_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GET_API_VERSION:
		return F.api_version;
	case VFIO_CHECK_EXTENSION:
		return ((uintptr_t)arg == VFIO_TYPE1v2_IOMMU || (uintptr_t)arg == VFIO_TYPE1_IOMMU) ?
		       F.type1 : 0;
	case VFIO_SET_IOMMU:
		return 0;
	case VFIO_IOMMU_GET_INFO: {
		struct vfio_iommu_type1_info *info = arg;
		struct {
			struct vfio_iommu_type1_info_cap_iova_range c;
			struct vfio_iova_range r;
		} cap;
		struct vfio_iommu_type1_info_dma_avail avail;
		size_t need = sizeof(*info) + sizeof(cap) + sizeof(avail);
		uint32_t given = info->argsz;

		info->flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
		info->iova_pgsizes = 4096 | (2 << 20);
		info->argsz = (uint32_t)need;
		if (given < need) {
			info->cap_offset = 0;
			return 0;	/* the caller grows the buffer */
		}
		memset(&cap, 0, sizeof(cap));
		cap.c.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
		cap.c.header.version = 1;
		cap.c.header.next = (uint32_t)(sizeof(*info) + sizeof(cap));
		cap.c.nr_iovas = 1;
		cap.r.start = F.iova_above_mask ? 1ull << 40 : 0;
		cap.r.end = F.iova_above_mask ? (1ull << 41) - 1 : (1ull << 39) - 1;
		memset(&avail, 0, sizeof(avail));
		avail.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
		avail.header.version = 1;
		avail.avail = (uint32_t)(65535 - F.nr_maps);
		info->cap_offset = sizeof(*info);
		memcpy((char *)info + sizeof(*info), &cap, sizeof(cap));
		memcpy((char *)info + sizeof(*info) + sizeof(cap), &avail, sizeof(avail));
		return 0;
	}
	case VFIO_IOMMU_MAP_DMA: {
		struct vfio_iommu_type1_dma_map *m = arg;

		F.map_calls++;
		if (F.map_errno) {
			errno = F.map_errno;
			return -1;
		}
		if (F.nr_maps == MAX_MAPS) {
			errno = ENOSPC;
			return -1;
		}
		F.maps[F.nr_maps].iova = m->iova;
		F.maps[F.nr_maps].size = m->size;
		F.maps[F.nr_maps].vaddr = m->vaddr;
		F.maps[F.nr_maps].flags = m->flags;
		F.nr_maps++;
		return 0;
	}
	case VFIO_IOMMU_UNMAP_DMA: {
		struct vfio_iommu_type1_dma_unmap *u = arg;
		int i;

		F.unmap_calls++;
		if (F.unmap_broken) {
			errno = EINVAL;
			return -1;
		}
		for (i = 0; i < F.nr_maps; i++)
			if (F.maps[i].iova == u->iova && F.maps[i].size == u->size) {
				F.maps[i] = F.maps[--F.nr_maps];
				return 0;
			}
		u->size = 0;
		return 0;
	}
	}
	errno = ENOTTY;
	return -1;
}

static int group_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GROUP_GET_STATUS: {
		struct vfio_group_status *st = arg;

		st->flags = F.viable ? VFIO_GROUP_FLAGS_VIABLE : 0;
		return 0;
	}
	case VFIO_GROUP_SET_CONTAINER:
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD:
		if (strcmp(arg, ADDR)) {
			errno = ENODEV;
			return -1;
		}
		return F.device_fd = __real_open("/dev/null", O_RDWR | O_CLOEXEC);
	}
	errno = ENOTTY;
	return -1;
}

static int device_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info *di = arg;

		di->flags = F.not_pci ? VFIO_DEVICE_FLAGS_PLATFORM : VFIO_DEVICE_FLAGS_PCI;
		di->num_regions = VFIO_PCI_NUM_REGIONS;
		di->num_irqs = VFIO_PCI_NUM_IRQS;
		return 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info *ri = arg;

		if (ri->index == VFIO_PCI_BAR0_REGION_INDEX) {
			ri->size = F.bar_size;
			ri->offset = 0;
			ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
				    (F.bar_mmap ? VFIO_REGION_INFO_FLAG_MMAP : 0);
		} else if (ri->index == VFIO_PCI_CONFIG_REGION_INDEX) {
			ri->size = 256;
			ri->offset = CONFIG_OFF;
			ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		} else {
			errno = EINVAL;
			return -1;
		}
		return 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info *ii = arg;

		ii->count = (uint32_t)F.irq_count;
		ii->flags = VFIO_IRQ_INFO_EVENTFD;
		return 0;
	}
	case VFIO_DEVICE_SET_IRQS: {
		struct vfio_irq_set *set = arg;
		int32_t efd;

		if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD) {
			memcpy(&efd, set->data, sizeof(efd));
			F.irq_fd = efd;
		} else {
			F.irq_fd = -1;
			F.irq_off_calls++;
		}
		return 0;
	}
	}
	errno = ENOTTY;
	return -1;
}

int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || (fd != F.container_fd && fd != F.group_fd && fd != F.device_fd))
		return __real_ioctl(fd, req, arg);
	if (fail_this(req))
		return -1;
	if (fd == F.container_fd)
		return container_ioctl(req, arg);
	if (fd == F.group_fd)
		return group_ioctl(req, arg);
	return device_ioctl(req, arg);
}

/* ------------------------------------------------------------- helpers */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;		/* the directory's own */
}

static int base_fds;

static void setup_case(void)
{
	fake_reset();
	base_fds = count_fds();
}

/* Nothing of an open is left: descriptors, BAR0, mappings. */
static void expect_clean(void)
{
	CU_ASSERT_EQUAL(count_fds(), base_fds);
	CU_ASSERT_EQUAL(F.container_fd, -1);
	CU_ASSERT_EQUAL(F.group_fd, -1);
	CU_ASSERT_EQUAL(F.device_fd, -1);
	CU_ASSERT_PTR_NULL(F.bar);
	CU_ASSERT_EQUAL(F.nr_maps, 0);
}

static int msg_has(const char *needle)
{
	const char *m = libdma_errmsg();

	if (m && strstr(m, needle))
		return 1;
	printf("\n    message \"%s\" lacks \"%s\"\n", m ? m : "(null)", needle);
	return 0;
}

/* Open must fail with 'err' and a message containing 'needle', leaving nothing. */
static void expect_open_fails(int err, const char *needle)
{
	struct libdma_device *dev = NULL;
	int ret = libdma_open(SPEC, &dev);

	CU_ASSERT_EQUAL(ret, err);
	if (ret != err)
		printf("\n    open: %d (%s), expected %d\n", ret, libdma_errmsg(), err);
	CU_ASSERT_PTR_NULL(dev);
	CU_ASSERT(msg_has(needle));
	if (!ret)
		libdma_close(dev);
	expect_clean();
}

/* ------------------------------------------------------- opening fails */

static void test_sysfs_refusals(void)
{
	setup_case();
	F.sysfs_missing = 1;
	expect_open_fails(-ENODEV, "no PCI device at that address");
	setup_case();
	F.not_edu = 1;
	expect_open_fails(-ENODEV, "8086:100e device, not an edu");
	setup_case();
	F.driver = "edudma";
	expect_open_fails(-ENODEV, "bound to driver edudma, not vfio-pci");
	setup_case();
	F.driver = "";
	F.group = -1;
	F.iommu_present = 0;
	expect_open_fails(-ENODEV, "no IOMMU");
	setup_case();
	F.group = -1;
	expect_open_fails(-ENODEV, "no IOMMU");
}

static void test_bad_environment(void)
{
	setup_case();
	setenv("LIBDMA_VFIO_WINDOW", "0", 1);
	expect_open_fails(-EINVAL, "LIBDMA_VFIO_WINDOW=0: give a number from 1 to 4096");
	setup_case();
	setenv("LIBDMA_VFIO_DMA_BITS", "65", 1);
	expect_open_fails(-EINVAL, "LIBDMA_VFIO_DMA_BITS=65");
	setup_case();
	setenv("LIBDMA_VFIO_TIMEOUT_MS", "-1", 1);
	expect_open_fails(-EINVAL, "LIBDMA_VFIO_TIMEOUT_MS=-1");
}

static void test_container_refusals(void)
{
	setup_case();
	F.container_errno = ENOENT;
	expect_open_fails(-ENODEV, "/dev/vfio/vfio is missing (module vfio not loaded?");
	setup_case();
	F.container_errno = EACCES;
	expect_open_fails(-EACCES, "permission denied opening /dev/vfio/vfio");
	setup_case();
	F.container_errno = EMFILE;
	expect_open_fails(-EMFILE, "open /dev/vfio/vfio: Too many open files");
	setup_case();
	F.api_version = 1;
	expect_open_fails(-EPROTO, "VFIO API version is not 0");
	setup_case();
	F.type1 = 0;
	expect_open_fails(-EOPNOTSUPP, "no type1 IOMMU backend");
}

static void test_group_refusals(void)
{
	setup_case();
	F.group_errno = EBUSY;
	expect_open_fails(-EBUSY, "in use by pid 4242 (qemu)");
	setup_case();
	F.group_errno = ENOENT;
	expect_open_fails(-ENODEV, "/dev/vfio/7 is missing although sysfs shows IOMMU group 7");
	setup_case();
	F.group_errno = EACCES;
	expect_open_fails(-EACCES, "permission denied opening /dev/vfio/7");
	setup_case();
	F.group_errno = EIO;
	expect_open_fails(-EIO, "open /dev/vfio/<group>: Input/output error");
	setup_case();
	F.fail_req = VFIO_GROUP_GET_STATUS;
	F.fail_errno = EFAULT;
	expect_open_fails(-EFAULT, "VFIO_GROUP_GET_STATUS: Bad address");
	setup_case();
	F.viable = 0;
	expect_open_fails(-EBUSY, "is not viable: it also holds 0000:00:05.0 (bound to e1000)");
}

static void test_attach_refusals(void)
{
	setup_case();
	F.fail_req = VFIO_GROUP_SET_CONTAINER;
	F.fail_errno = EPERM;
	expect_open_fails(-EBUSY, "VFIO_GROUP_SET_CONTAINER (is every device of the group bound");
	setup_case();
	F.fail_req = VFIO_SET_IOMMU;
	F.fail_errno = ENODEV;
	expect_open_fails(-ENODEV, "VFIO_SET_IOMMU: No such device");
	setup_case();
	F.fail_req = VFIO_IOMMU_GET_INFO;
	F.fail_errno = EINVAL;
	expect_open_fails(-EINVAL, "VFIO_IOMMU_GET_INFO: Invalid argument");
	setup_case();
	F.iova_above_mask = 1;
	expect_open_fails(-ENODEV, "leaves no IO address below the device's 28-bit DMA mask");
}

static void test_device_refusals(void)
{
	setup_case();
	F.fail_req = VFIO_GROUP_GET_DEVICE_FD;
	F.fail_errno = EBUSY;
	expect_open_fails(-EBUSY, "VFIO_GROUP_GET_DEVICE_FD: Device or resource busy");
	setup_case();
	F.fail_req = VFIO_DEVICE_GET_INFO;
	F.fail_errno = EIO;
	expect_open_fails(-EIO, "VFIO_DEVICE_GET_INFO: Input/output error");
	setup_case();
	F.not_pci = 1;
	expect_open_fails(-ENODEV, "does not describe it as a PCI device");
	setup_case();
	F.fail_req = VFIO_DEVICE_GET_REGION_INFO;
	F.fail_errno = EINVAL;
	expect_open_fails(-EINVAL, "BAR0 region info: Invalid argument");
	setup_case();
	F.bar_size = 64;
	expect_open_fails(-ENODEV, "BAR0 is 64 bytes");
	setup_case();
	F.config_broken = 1;
	expect_open_fails(-EIO, "writing the PCI command register");
}

static void test_irq_refusals(void)
{
	setup_case();
	F.fail_req = VFIO_DEVICE_GET_IRQ_INFO;
	F.fail_errno = EINVAL;
	expect_open_fails(-EINVAL, "VFIO_DEVICE_GET_IRQ_INFO (MSI): Invalid argument");
	setup_case();
	F.irq_count = 0;
	expect_open_fails(-EOPNOTSUPP, "offers no MSI vector with an eventfd");
	setup_case();
	F.fail_req = VFIO_DEVICE_SET_IRQS;
	F.fail_errno = EINVAL;
	expect_open_fails(-EINVAL, "VFIO_DEVICE_SET_IRQS (MSI to an eventfd)");
}

/* ------------------------------------------------ the hardware check fails */

static void test_device_does_not_answer(void)
{
	setup_case();
	F.dead = 1;
	expect_open_fails(-ENODEV, "lacks the edu magic 0xed (the device does not answer)");
	setup_case();
	F.ident = 0x12345678;
	expect_open_fails(-ENODEV, "ident register 0x12345678 lacks the edu magic");
	setup_case();
	F.ident = 0x020000ed;
	expect_open_fails(-ENODEV, "edu version 2.0");
	setup_case();
	F.liveness_stuck = 1;
	expect_open_fails(-EIO, "liveness check failed");
}

/* BAR0 mapped: plain memory does not invert liveness; the mapping goes again. */
static void test_bar_mapped(void)
{
	setup_case();
	F.bar_mmap_refused = 0;
	expect_open_fails(-EIO, "liveness check failed: wrote");
	CU_ASSERT_PTR_NULL(F.bar);
	CU_ASSERT_NOT_EQUAL(F.bar_len, 0);	/* it was mapped */
}

static void test_command_left_running(void)
{
	struct timespec t0, t1;
	long ms;

	setup_case();
	F.dma_left_running = 1;
	setenv("LIBDMA_VFIO_TIMEOUT_MS", "10", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_open_fails(-EIO, "has not finished after 50 ms; the device is wedged");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CU_ASSERT(ms >= 50);		/* the grace of 5 timeouts was waited out */
}

/* ----------------------------------------------------- a working device */

static struct libdma_device *open_ok(void)
{
	struct libdma_device *dev = NULL;

	CU_ASSERT_EQUAL(libdma_open(SPEC, &dev), 0);
	if (!dev)
		printf("\n    open: %s\n", libdma_errmsg());
	return dev;
}

static void close_ok(struct libdma_device *dev)
{
	CU_ASSERT_EQUAL(libdma_close(dev), 0);
	CU_ASSERT(F.irq_off_calls > 0);		/* MSI switched off */
	CU_ASSERT_EQUAL(F.pci_command & PCI_COMMAND_MASTER, 0);
	expect_clean();
}

/* Everything works through pread/pwrite when BAR0 cannot be mapped. */
static void test_pread_fallback_works(void)
{
	struct libdma_device *dev;
	struct libdma_buffer *a, *b, *reg;
	struct libdma_region ra, rb, ru;
	struct libdma_irq_test_result it;
	struct libdma_factorial_result fr;
	struct libdma_info info;
	uint8_t *user;
	size_t i;

	setup_case();
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	CU_ASSERT_PTR_NULL(F.bar);
	CU_ASSERT(F.pci_command & PCI_COMMAND_MASTER);
	CU_ASSERT_EQUAL(libdma_get_info(dev, &info), 0);
	CU_ASSERT_EQUAL(info.dma_mask_bits, 28);
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, &it), 0);
	CU_ASSERT_EQUAL(it.seen, LIBDMA_IRQ_TEST_DEFAULT);
	CU_ASSERT_EQUAL(libdma_factorial(dev, 10, 0, &fr), 0);
	CU_ASSERT_EQUAL(fr.value, 3628800u);

	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 5000, &a), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 5000, &b), 0);
	CU_ASSERT_EQUAL(F.nr_maps, 2);
	for (i = 0; i < 5000; i++)
		((uint8_t *)libdma_buffer_ptr(a))[i] = (uint8_t)(i * 7 + 1);
	ra = libdma_region_buffer(a, 0, 5000);
	rb = libdma_region_buffer(b, 0, 5000);
	CU_ASSERT_EQUAL(libdma_copy(dev, &rb, &ra, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(libdma_buffer_ptr(a), libdma_buffer_ptr(b), 5000), 0);
	CU_ASSERT(F.commands >= 4);	/* two device commands each way */

	/* registered and one-shot user memory */
	user = aligned_alloc(PAGE, 3 * PAGE);
	CU_ASSERT_FATAL(user != NULL);
	memset(user, 0, 3 * PAGE);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_register(dev, user + 100, 4000, LIBDMA_ACCESS_RW,
						     &reg, NULL), 0);
	CU_ASSERT_EQUAL(F.nr_maps, 3);
	rb = libdma_region_buffer(reg, 0, 4000);
	CU_ASSERT_EQUAL(libdma_transfer_from_device(dev, &rb, 0, NULL), 0);
	/* (the device buffer holds what the copy's last commands left) */
	CU_ASSERT_EQUAL(memcmp(user + 100, F.devbuf, 4000), 0);
	CU_ASSERT_EQUAL(memcmp(F.devbuf + 905, (uint8_t *)libdma_buffer_ptr(a) + 905, 3190), 0);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(reg), 0);
	ru = libdma_region_user(user + 2 * PAGE, 1000);
	memset(user + 2 * PAGE, 0x5a, 1000);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &ru, 3000, NULL), 0);
	CU_ASSERT_EQUAL(F.devbuf[3000], 0x5a);
	CU_ASSERT_EQUAL(F.nr_maps, 2);		/* the one-shot mapping is gone */
	free(user);

	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	CU_ASSERT_EQUAL(F.nr_maps, 0);
	CU_ASSERT_EQUAL(F.map_calls, F.unmap_calls);
	close_ok(dev);
}

/* Memory the IOMMU refuses to map: each errno with its own explanation. */
static void test_map_failures(void)
{
	static const struct {
		int map_errno, err;
		const char *says;
	} cases[] = {
		{ ENOMEM, -ENOMEM, "RLIMIT_MEMLOCK reached or out of memory" },
		{ EPERM, -ENOMEM, "raise ulimit -l" },
		{ ENOSPC, -ENOMEM, "as many DMA mappings as vfio_iommu_type1 allows" },
		{ EINVAL, -EINVAL, "VFIO_IOMMU_MAP_DMA of 8192 bytes at" },
	};
	struct libdma_device *dev;
	struct libdma_buffer *buf = NULL, *reg = NULL;
	uint8_t *user = aligned_alloc(PAGE, 2 * PAGE);
	size_t i;

	setup_case();
	CU_ASSERT_FATAL(user != NULL);
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		F.map_errno = cases[i].map_errno;
		CU_ASSERT_EQUAL(libdma_buffer_alloc(dev, 8192, &buf), cases[i].err);
		CU_ASSERT(msg_has(cases[i].says));
		CU_ASSERT_EQUAL(libdma_buffer_register(dev, user, 2 * PAGE, LIBDMA_ACCESS_RW,
						       &reg, NULL), cases[i].err);
		CU_ASSERT(msg_has("registering memory"));
		CU_ASSERT_EQUAL(F.nr_maps, 0);
	}
	/* memory that is not all there */
	F.map_errno = EFAULT;
	CU_ASSERT_EQUAL(libdma_buffer_register(dev, user, 2 * PAGE, LIBDMA_ACCESS_DEV_WRITE,
					       &reg, NULL), -EFAULT);
	CU_ASSERT(msg_has("not all of it is mapped and writable"));
	/* a one-shot region refused: the transfer never starts */
	{
		struct libdma_region ru = libdma_region_user(user, 100);
		int cmds = F.commands;

		F.map_errno = ENOMEM;
		CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &ru, 0, NULL), -ENOMEM);
		CU_ASSERT(msg_has("VFIO_IOMMU_MAP_DMA"));
		CU_ASSERT_EQUAL(F.commands, cmds);
	}
	F.map_errno = 0;
	/* larger than the IO address space below the 28-bit mask */
	CU_ASSERT_EQUAL(libdma_buffer_alloc(dev, (size_t)1 << 28, &buf), -EINVAL);
	CU_ASSERT(msg_has("larger than the IO address space"));
	close_ok(dev);
	/* the IOVA space full: refused before the IOMMU is asked */
	setup_case();
	setenv("LIBDMA_VFIO_DMA_BITS", "16", 1);	/* 64 KiB, less page 0 */
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 15 * PAGE, &buf), 0);
	CU_ASSERT_EQUAL(libdma_buffer_register(dev, user, 2 * PAGE, LIBDMA_ACCESS_RW, &reg,
					       NULL), -ENOMEM);
	CU_ASSERT(msg_has("no room for 8192 bytes in the IO address space"));
	CU_ASSERT_EQUAL(libdma_buffer_free(buf), 0);
	close_ok(dev);
	free(user);
}

/* UNMAP_DMA refused: the free fails with EIO, the IOVA stays taken. */
static void test_unmap_failure(void)
{
	struct libdma_device *dev;
	struct libdma_buffer *buf;

	setup_case();
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 4096, &buf), 0);
	F.unmap_broken = 1;
	CU_ASSERT_EQUAL(libdma_buffer_free(buf), -EIO);
	CU_ASSERT(msg_has("VFIO_IOMMU_UNMAP_DMA of 4096 bytes at IOVA"));
	CU_ASSERT_EQUAL(F.nr_maps, 1);
	/* close drops the container: the mapping goes with it */
	CU_ASSERT_EQUAL(libdma_close(dev), 0);
	expect_clean();
}

/* A command that never finishes wedges the device: EIO, then refused. */
static void test_command_hangs(void)
{
	struct libdma_device *dev;
	struct libdma_buffer *buf;
	struct libdma_region r;
	uint8_t *user = aligned_alloc(PAGE, PAGE);

	setup_case();
	CU_ASSERT_FATAL(user != NULL);
	setenv("LIBDMA_VFIO_TIMEOUT_MS", "10", 1);
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 4096, &buf), 0);
	F.dma_hang = 1;
	r = libdma_region_user(user, 100);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), -EIO);
	CU_ASSERT(msg_has("command 1 of 1 never finished; the device is wedged"));
	/* the one-shot mapping stays: the device may still write into it */
	CU_ASSERT_EQUAL(F.nr_maps, 2);
	r = libdma_region_buffer(buf, 0, 100);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), -EIO);
	CU_ASSERT(msg_has("is wedged (a DMA command never finished): DMA refused"));
	CU_ASSERT_EQUAL(F.commands, 1);		/* the second never reached the device */
	libdma_buffer_free(buf);
	CU_ASSERT_EQUAL(libdma_close(dev), 0);
	expect_clean();
	free(user);
}

/* The command lands but its interrupt never comes: ETIMEDOUT, not wedged. */
static void test_interrupt_lost(void)
{
	struct libdma_device *dev;
	struct libdma_buffer *buf;
	struct libdma_region r;

	setup_case();
	setenv("LIBDMA_VFIO_TIMEOUT_MS", "10", 1);
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 4096, &buf), 0);
	F.irq_lost = 1;
	r = libdma_region_buffer(buf, 0, 100);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), -ETIMEDOUT);
	CU_ASSERT(msg_has("did not complete within 10 ms (its completion interrupt was lost)"));
	/* not wedged: the next command goes through */
	F.irq_lost = 0;
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), 0);
	CU_ASSERT_EQUAL(F.commands, 2);
	CU_ASSERT_EQUAL(libdma_buffer_free(buf), 0);
	close_ok(dev);
}

/* The command lands only after its timeout, within the grace: ETIMEDOUT,
 * the command counted as done, the memory safe to free, not wedged. */
static void test_command_late(void)
{
	struct libdma_device *dev;
	struct libdma_buffer *buf;
	struct libdma_region r;

	setup_case();
	setenv("LIBDMA_VFIO_TIMEOUT_MS", "10", 1);
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 4096, &buf), 0);
	memset(libdma_buffer_ptr(buf), 0x33, 100);
	F.irq_late = 1;
	r = libdma_region_buffer(buf, 0, 100);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), -ETIMEDOUT);
	CU_ASSERT(msg_has("command 1 of 1 did not complete within 10 ms"));
	CU_ASSERT_PTR_NULL(strstr(libdma_errmsg(), "lost"));
	CU_ASSERT_EQUAL(F.devbuf[99], 0x33);	/* it did land */
	F.irq_late = 0;
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(buf), 0);
	close_ok(dev);
}

/* The interrupt self-test's interrupt never comes. */
static void test_irq_test_timeout(void)
{
	struct libdma_device *dev;
	struct libdma_irq_test_result it;

	setup_case();
	setenv("LIBDMA_VFIO_TIMEOUT_MS", "10", 1);
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	F.irq_raise_dead = 1;
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, &it), -ETIMEDOUT);
	CU_ASSERT(msg_has("interrupt self-test on " SPEC ": raised 0x00010000"));
	close_ok(dev);
}

/* The device stops answering after open: INFO says so; writes that cannot
 * reach it wedge it. */
static void test_device_gone(void)
{
	struct libdma_device *dev;
	struct libdma_buffer *buf;
	struct libdma_region r;
	struct libdma_info info;

	setup_case();
	setenv("LIBDMA_VFIO_TIMEOUT_MS", "10", 1);
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 4096, &buf), 0);
	F.dead = 1;
	CU_ASSERT_EQUAL(libdma_get_info(dev, &info), -ENODEV);
	CU_ASSERT(msg_has("no longer answers (ident reads all ones)"));
	/* registers reading all ones: a command never seems to finish */
	F.dead = 0;
	F.bar_write_broken = 1;
	r = libdma_region_buffer(buf, 0, 100);
	CU_ASSERT_NOT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), 0);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), -EIO);
	CU_ASSERT(msg_has("is wedged"));
	CU_ASSERT_EQUAL(F.commands, 0);
	F.bar_write_broken = 0;
	libdma_buffer_free(buf);
	CU_ASSERT_EQUAL(libdma_close(dev), 0);
	expect_clean();
}

/* ------------------------------------------------------------- edu-sg */

static void setup_sg_case(void)
{
	setup_case();
	F.edusg = 1;
	F.ident = EDUSG_IDENT;
	F.sg_version = 0x00010001;
	F.sg_max_ring = EDUSG_MAX_RING;
	F.sg_card = EDUSG_DEFAULT_CARD_SIZE;
	F.sg_mask = ~0ull;
	F.bar_size = EDUSG_BAR_REGS_SIZE;
}

static void test_edusg_refusals(void)
{
	setup_sg_case();
	F.sub_wrong = 1;
	expect_open_fails(-ENODEV, "1af4:10f5 (subsystem 1af4:1100) device, not an edu");
	setup_sg_case();
	F.ident = 0x12345678;
	expect_open_fails(-ENODEV, "ident register 0x12345678 is not edu-sg's 0x45445347");
	setup_sg_case();
	F.dead = 1;
	expect_open_fails(-ENODEV, "(the device does not answer)");
	setup_sg_case();
	F.sg_version = 0x00020000;
	expect_open_fails(-ENODEV, "edu-sg version 2.0, libdma supports 1.x");
	setup_sg_case();
	F.liveness_stuck = 1;
	expect_open_fails(-EIO, "liveness check failed");
	setup_sg_case();
	F.sg_max_ring = 3;
	expect_open_fails(-ENODEV, "edu-sg reports unusable limits: max_len 16777216, max_ring 3");
	setup_sg_case();
	F.sg_refuse_ring = 1;
	expect_open_fails(-EIO, "edu-sg refused its ring at IOVA");
	CU_ASSERT(F.map_calls == 1 && F.nr_maps == 0);	/* the ring's, gone */
	setup_sg_case();
	F.map_errno = ENOMEM;
	expect_open_fails(-ENOMEM, "edu-sg's descriptor ring on vfio:" ADDR);
}

/* A 32-bit edu-sg: info from its registers, the ring below the mask, no factorial. */
static void test_edusg_open_and_info(void)
{
	struct libdma_factorial_result fr;
	struct libdma_irq_test_result it;
	struct libdma_device *dev;
	struct libdma_info info;

	setup_sg_case();
	F.sg_mask = 0xffffffffull;
	F.sg_card = 1u << 20;
	setenv("LIBDMA_VFIO_WINDOW", "100", 1);	/* edu's: no effect here */
	dev = open_ok();
	CU_ASSERT_FATAL(dev != NULL);
	CU_ASSERT_EQUAL(F.sg_resets, 1);		/* reset at open */
	CU_ASSERT_EQUAL(F.sg_ctrl, EDUSG_CTRL_ENABLE);
	CU_ASSERT_EQUAL(F.sg_irq_mask, EDUSG_IRQ_VALID);
	CU_ASSERT_EQUAL_FATAL(F.nr_maps, 1);		/* the ring and record */
	CU_ASSERT_EQUAL(F.sg_ring, F.maps[0].iova);
	CU_ASSERT_EQUAL(F.sg_cpl, F.maps[0].iova + 1024 * EDUSG_DESC_SIZE);
	CU_ASSERT(F.maps[0].iova + F.maps[0].size <= (1ull << 32));
	CU_ASSERT(F.pci_command & PCI_COMMAND_MASTER);
	CU_ASSERT_EQUAL(libdma_get_info(dev, &info), 0);
	CU_ASSERT_EQUAL(info.engine, LIBDMA_ENGINE_EDUSG);
	CU_ASSERT_EQUAL(info.dev_ident, EDUSG_IDENT);
	CU_ASSERT_EQUAL(info.version_major, 1);
	CU_ASSERT_EQUAL(info.version_minor, 1);
	CU_ASSERT_EQUAL(info.dma_mask_bits, 32);
	CU_ASSERT_EQUAL(info.window_size, 1u << 20);
	CU_ASSERT_EQUAL(info.dev_buffer_addr, 0);
	CU_ASSERT_EQUAL(info.max_cmd_length, EDUSG_MAX_LEN);
	CU_ASSERT_EQUAL(info.ring_size, 1024);
	CU_ASSERT_EQUAL(info.max_in_flight, 1023);
	CU_ASSERT(info.features & LIBDMA_FEAT_IRQ_TEST);
	CU_ASSERT_EQUAL(info.features & LIBDMA_FEAT_FACTORIAL, 0);
	CU_ASSERT_EQUAL(libdma_factorial(dev, 5, 0, &fr), -EOPNOTSUPP);
	CU_ASSERT(msg_has("factorial unit not supported"));
	/* the software bits, through the eventfd */
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, &it), 0);
	CU_ASSERT_EQUAL(it.seen, LIBDMA_IRQ_TEST_DEFAULT);
	CU_ASSERT_EQUAL(libdma_irq_test(dev, EDUSG_IRQ_HALT, &it), -EINVAL);
	CU_ASSERT(msg_has("edu-sg raises only 0xffff0000"));
	/* dev_offset beyond the card: the generic check, with its size */
	{
		struct libdma_buffer *buf;
		struct libdma_region r;

		CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 4096, &buf), 0);
		r = libdma_region_buffer(buf, 0, 1);
		CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 1u << 20, NULL),
				-EINVAL);
		CU_ASSERT_EQUAL(libdma_buffer_free(buf), 0);
	}
	CU_ASSERT_EQUAL(libdma_close(dev), 0);
	CU_ASSERT_EQUAL(F.sg_resets, 2);		/* reset at close */
	CU_ASSERT_EQUAL(F.pci_command & PCI_COMMAND_MASTER, 0);
	expect_clean();
}

static const struct edutest_case sg_cases[] = {
	{ "edusg_refusals", test_edusg_refusals },
	{ "edusg_open_and_info", test_edusg_open_and_info },
	{ NULL, NULL }
};

static const struct edutest_case open_cases[] = {
	{ "sysfs_refusals", test_sysfs_refusals },
	{ "bad_environment", test_bad_environment },
	{ "container_refusals", test_container_refusals },
	{ "group_refusals", test_group_refusals },
	{ "attach_refusals", test_attach_refusals },
	{ "device_refusals", test_device_refusals },
	{ "irq_refusals", test_irq_refusals },
	{ "device_does_not_answer", test_device_does_not_answer },
	{ "bar_mapped", test_bar_mapped },
	{ "command_left_running", test_command_left_running },
	{ NULL, NULL }
};

static const struct edutest_case use_cases[] = {
	{ "pread_fallback_works", test_pread_fallback_works },
	{ "map_failures", test_map_failures },
	{ "unmap_failure", test_unmap_failure },
	{ "command_hangs", test_command_hangs },
	{ "interrupt_lost", test_interrupt_lost },
	{ "command_late", test_command_late },
	{ "irq_test_timeout", test_irq_test_timeout },
	{ "device_gone", test_device_gone },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "vfio_open", NULL, NULL, open_cases },
	{ "vfio_use", NULL, NULL, use_cases },
	{ "vfio_edusg", NULL, NULL, sg_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "libdma_vfio_fake", suites);
}
