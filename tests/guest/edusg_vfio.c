// SPDX-License-Identifier: MIT
/*
 * edusg_vfio - raw VFIO plumbing for edu-sg (edusg_vfio.h says what each
 * function does). The ioctls are those of <linux/vfio.h>: type1 IOMMU,
 * one container per device.
 */
#include "edusg_vfio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define SYSFS_PCI	"/sys/bus/pci/devices"

#define FAIL(ret, ...) do {						\
	printf("    edusg_vfio: " __VA_ARGS__);				\
	printf("\n");							\
	return (ret);							\
} while (0)

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int pci_attr_is(const char *addr, const char *attr, const char *want)
{
	char path[300], val[32];

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", addr, attr);
	return !read_line(path, val, sizeof(val)) && !strcmp(val, want);
}

static int by_address(const void *a, const void *b)
{
	return strcmp(a, b);
}

int edusg_vfio_find(char addrs[][32], int max)
{
	DIR *d = opendir(SYSFS_PCI);
	struct dirent *e;
	char ven[8], dev[8];
	int n = 0;

	if (!d)
		return -errno;
	snprintf(ven, sizeof(ven), "0x%04x", EDUSG_PCI_VENDOR);
	snprintf(dev, sizeof(dev), "0x%04x", EDUSG_PCI_DEVICE);
	while ((e = readdir(d))) {
		char sven[8], sdev[8];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sven, sizeof(sven), "0x%04x", EDUSG_PCI_SUBVENDOR);
		snprintf(sdev, sizeof(sdev), "0x%04x", EDUSG_PCI_SUBDEVICE);
		if (!pci_attr_is(e->d_name, "vendor", ven) ||
		    !pci_attr_is(e->d_name, "device", dev) ||
		    !pci_attr_is(e->d_name, "subsystem_vendor", sven) ||
		    !pci_attr_is(e->d_name, "subsystem_device", sdev))
			continue;
		if (n < max)
			snprintf(addrs[n], 32, "%.31s", e->d_name);
		n++;
	}
	closedir(d);
	qsort(addrs, (size_t)(n < max ? n : max), 32, by_address);
	return n;
}

static int run_modprobe(const char *mod)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("modprobe", "modprobe", mod, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ENOENT;
}

int edusg_vfio_load_modules(void)
{
	if (access("/sys/bus/pci/drivers/vfio-pci", F_OK) &&
	    run_modprobe("vfio-pci"))
		FAIL(-ENOENT, "modprobe vfio-pci failed");
	if (access("/sys/module/vfio_iommu_type1", F_OK) &&
	    run_modprobe("vfio_iommu_type1"))
		FAIL(-ENOENT, "modprobe vfio_iommu_type1 failed");
	return 0;
}

static void current_driver(const char *addr, char *out, size_t len)
{
	char path[300], link[300];
	ssize_t n;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver", addr);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0) {
		out[0] = '\0';
		return;
	}
	link[n] = '\0';
	snprintf(out, len, "%s", strrchr(link, '/') + 1);
}

int edusg_vfio_bind(const char *addr)
{
	char path[300], drv[64];
	int ret;

	current_driver(addr, drv, sizeof(drv));
	if (!strcmp(drv, "vfio-pci"))
		return 0;
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver_override", addr);
	ret = write_str(path, "vfio-pci");
	if (ret)
		FAIL(ret, "%s: %s", path, strerror(-ret));
	if (drv[0]) {
		snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver/unbind", addr);
		ret = write_str(path, addr);
		if (ret)
			FAIL(ret, "unbind %s from %s: %s", addr, drv, strerror(-ret));
	}
	ret = write_str("/sys/bus/pci/drivers_probe", addr);
	current_driver(addr, drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci"))
		FAIL(ret ? ret : -ENODEV, "%s: not bound to vfio-pci after probe (driver '%s')",
		     addr, drv);
	return 0;
}

int edusg_vfio_unbind(const char *addr)
{
	char path[300], drv[64];

	current_driver(addr, drv, sizeof(drv));
	if (drv[0]) {
		snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver/unbind", addr);
		write_str(path, addr);
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver_override", addr);
	return write_str(path, "\n");
}

static int group_of(const char *addr)
{
	char path[300], link[300];
	ssize_t n;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/iommu_group", addr);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	return atoi(strrchr(link, '/') + 1);
}

static int region(struct edusg_vfio *v, unsigned int index,
		  struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, ri))
		return -errno;
	return 0;
}

static void *map_bar(struct edusg_vfio *v, unsigned int bar, size_t *len)
{
	struct vfio_region_info ri;
	void *p;

	if (region(v, VFIO_PCI_BAR0_REGION_INDEX + bar, &ri) || !ri.size ||
	    !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		printf("    edusg_vfio: %s: BAR%u not mappable (size %llu flags 0x%x)\n",
		       v->addr, bar, (unsigned long long)ri.size, ri.flags);
		return NULL;
	}
	p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, v->device,
		 (off_t)ri.offset);
	if (p == MAP_FAILED) {
		printf("    edusg_vfio: %s: mmap BAR%u: %s\n", v->addr, bar, strerror(errno));
		return NULL;
	}
	*len = ri.size;
	return p;
}

int edusg_vfio_open(const char *addr, uint64_t iova_base, uint64_t iova_limit,
		    struct edusg_vfio *v)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_region_info ri;
	char path[64];
	int ret;

	memset(v, 0, sizeof(*v));
	v->container = v->group = v->device = v->irq_fd = -1;
	v->irq_index = -1;
	v->next_iova = iova_base;
	v->iova_limit = iova_limit;
	snprintf(v->addr, sizeof(v->addr), "%.31s", addr);
	v->group_id = group_of(addr);
	if (v->group_id < 0)
		FAIL(-ENODEV, "%s: no IOMMU group", addr);

	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		FAIL(-errno, "/dev/vfio/vfio: %s", strerror(errno));
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0) {
		ret = -ENOTSUP;
		printf("    edusg_vfio: no type1 IOMMU\n");
		goto fail;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", v->group_id);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0) {
		ret = -errno;
		printf("    edusg_vfio: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &gs) ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = -EBUSY;
		printf("    edusg_vfio: group %d not viable\n", v->group_id);
		goto fail;
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) ||
	    ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		ret = -errno;
		printf("    edusg_vfio: group %d -> container: %s\n", v->group_id,
		       strerror(errno));
		goto fail;
	}
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, addr);
	if (v->device < 0) {
		ret = -errno;
		printf("    edusg_vfio: %s: GET_DEVICE_FD: %s\n", addr, strerror(errno));
		goto fail;
	}
	ret = region(v, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret)
		goto fail;
	v->cfg_off = ri.offset;
	ret = -ENXIO;
	v->regs = map_bar(v, EDUSG_BAR_REGS, &v->regs_len);
	if (!v->regs)
		goto fail;
	v->card = map_bar(v, EDUSG_BAR_CARD, &v->card_len);
	if (!v->card)
		goto fail;
	{
		uint16_t cmd;

		ret = edusg_vfio_cfg_read(v, PCI_COMMAND, &cmd, 2);
		if (ret)
			goto fail;
		cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
		ret = edusg_vfio_cfg_write(v, PCI_COMMAND, &cmd, 2);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	edusg_vfio_close(v);
	return ret;
}

void edusg_vfio_close(struct edusg_vfio *v)
{
	if (v->irq_fd >= 0)
		edusg_vfio_irq_off(v);
	if (v->regs)
		munmap((void *)v->regs, v->regs_len);
	if (v->card)
		munmap(v->card, v->card_len);
	v->regs = NULL;
	v->card = NULL;
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->device = v->group = v->container = -1;
}

int edusg_vfio_cfg_read(struct edusg_vfio *v, uint32_t off, void *buf, size_t len)
{
	if (pread(v->device, buf, len, (off_t)(v->cfg_off + off)) != (ssize_t)len)
		FAIL(-EIO, "%s: config read at 0x%x", v->addr, off);
	return 0;
}

int edusg_vfio_cfg_write(struct edusg_vfio *v, uint32_t off, const void *buf, size_t len)
{
	if (pwrite(v->device, buf, len, (off_t)(v->cfg_off + off)) != (ssize_t)len)
		FAIL(-EIO, "%s: config write at 0x%x", v->addr, off);
	return 0;
}

int edusg_vfio_bus_master(struct edusg_vfio *v, int on)
{
	uint16_t cmd;
	int ret = edusg_vfio_cfg_read(v, PCI_COMMAND, &cmd, 2);

	if (ret)
		return ret;
	if (on)
		cmd |= PCI_COMMAND_MASTER;
	else
		cmd &= (uint16_t)~PCI_COMMAND_MASTER;
	return edusg_vfio_cfg_write(v, PCI_COMMAND, &cmd, 2);
}

void *edusg_vfio_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		printf("    edusg_vfio: mmap of %zu bytes: %s\n", len, strerror(errno));
		return NULL;
	}
	return p;
}

int edusg_vfio_map(struct edusg_vfio *v, void *vaddr, uint64_t iova,
		   uint64_t len, int access)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = len,
	};

	if (access & EDUSG_MAP_READ)
		m.flags |= VFIO_DMA_MAP_FLAG_READ;
	if (access & EDUSG_MAP_WRITE)
		m.flags |= VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &m))
		FAIL(-errno, "%s: MAP_DMA iova 0x%llx len 0x%llx: %s", v->addr,
		     (unsigned long long)iova, (unsigned long long)len, strerror(errno));
	return 0;
}

int edusg_vfio_map_auto(struct edusg_vfio *v, void *vaddr, uint64_t len,
			int access, uint64_t *iova)
{
	uint64_t at = v->next_iova;
	int ret;

	if (at + len > v->iova_limit || at + len < at)
		FAIL(-ENOSPC, "%s: IOVA space exhausted", v->addr);
	ret = edusg_vfio_map(v, vaddr, at, len, access);
	if (ret)
		return ret;
	/* a page of nothing after each range: an overrun faults */
	v->next_iova = (at + len + 4096 + 0xfff) & ~(uint64_t)0xfff;
	*iova = at;
	return 0;
}

int edusg_vfio_unmap(struct edusg_vfio *v, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = len,
	};

	if (ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &u) || u.size != len)
		FAIL(-EIO, "%s: UNMAP_DMA iova 0x%llx len 0x%llx: %s", v->addr,
		     (unsigned long long)iova, (unsigned long long)len, strerror(errno));
	return 0;
}

/* VFIO_DEVICE_SET_IRQS with one eventfd, or none (fd < 0: disable). */
static int set_irqs(struct edusg_vfio *v, int index, uint32_t action, int fd)
{
	struct {
		struct vfio_irq_set s;
		int32_t fd;
	} req;

	memset(&req, 0, sizeof(req));
	req.s.argsz = sizeof(req);
	req.s.index = (uint32_t)index;
	req.s.start = 0;
	if (action == VFIO_IRQ_SET_ACTION_TRIGGER && fd >= 0) {
		req.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | action;
		req.s.count = 1;
		req.fd = fd;
	} else {
		req.s.flags = VFIO_IRQ_SET_DATA_NONE | action;
		req.s.count = action == VFIO_IRQ_SET_ACTION_TRIGGER ? 0 : 1;
		req.s.argsz = sizeof(req.s);
	}
	if (ioctl(v->device, VFIO_DEVICE_SET_IRQS, &req.s))
		return -errno;
	return 0;
}

int edusg_vfio_irq_off(struct edusg_vfio *v)
{
	int ret = 0;

	if (v->irq_index >= 0)
		ret = set_irqs(v, v->irq_index, VFIO_IRQ_SET_ACTION_TRIGGER, -1);
	if (v->irq_fd >= 0)
		close(v->irq_fd);
	v->irq_fd = -1;
	v->irq_index = -1;
	return ret;
}

static int irq_on(struct edusg_vfio *v, int index)
{
	int ret;

	edusg_vfio_irq_off(v);
	v->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->irq_fd < 0)
		FAIL(-errno, "eventfd: %s", strerror(errno));
	ret = set_irqs(v, index, VFIO_IRQ_SET_ACTION_TRIGGER, v->irq_fd);
	if (ret) {
		close(v->irq_fd);
		v->irq_fd = -1;
		FAIL(ret, "%s: SET_IRQS index %d: %s", v->addr, index, strerror(-ret));
	}
	v->irq_index = index;
	return 0;
}

int edusg_vfio_irq_msi(struct edusg_vfio *v)
{
	return irq_on(v, VFIO_PCI_MSI_IRQ_INDEX);
}

int edusg_vfio_irq_intx(struct edusg_vfio *v)
{
	return irq_on(v, VFIO_PCI_INTX_IRQ_INDEX);
}

int edusg_vfio_intx_unmask(struct edusg_vfio *v)
{
	int ret = set_irqs(v, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, -1);

	if (ret)
		FAIL(ret, "%s: INTx unmask: %s", v->addr, strerror(-ret));
	return 0;
}

uint64_t edusg_vfio_irq_drain(struct edusg_vfio *v)
{
	uint64_t n = 0;

	if (v->irq_fd < 0 || read(v->irq_fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

int64_t edusg_vfio_irq_wait(struct edusg_vfio *v, int timeout_ms)
{
	struct pollfd p = { .fd = v->irq_fd, .events = POLLIN };
	int r;

	if (v->irq_fd < 0)
		return -EINVAL;
	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	return (int64_t)edusg_vfio_irq_drain(v);
}
