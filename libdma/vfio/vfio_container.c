// SPDX-License-Identifier: MIT
/*
 * The VFIO objects a device is reached through, in the order open takes
 * them: the container (/dev/vfio/vfio: API version, a type1 IOMMU), the
 * IOMMU group (/dev/vfio/<N>: it must be viable), the group attached to
 * the container, the device fd with BAR0 and config space, and - once the
 * engine has read the device's limits - the IOVA space the IOMMU allows
 * below the device's DMA mask. The driver
 * gets all of this from the PCI core in its probe (driver/edudma_main.c);
 * here it is VFIO plumbing, kept apart from the bring-up sequence in
 * vfio_open.c that calls it step by step. Calls vfio_iova.c, vfio_sysfs.c
 * (what to say when a group is busy or not viable) and vfio_regs.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <edu/edu_regs.h>

#include "pci_sysfs.h"
#include "vfio_internal.h"

#define VFIO_CONTAINER_PATH	"/dev/vfio/vfio"

int libdma__vfio_open_container(struct vfio_dev *vd)
{
	vd->container = open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC);
	if (vd->container < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			return libdma__fail(-ENODEV, "cannot use %s through "
					    "VFIO: %s is missing (module vfio "
					    "not loaded? 'modprobe vfio-pci')",
					    vd->addr, VFIO_CONTAINER_PATH);
		if (errno == EACCES || errno == EPERM)
			return libdma__fail(-EACCES, "cannot use %s through "
					    "VFIO: permission denied opening %s",
					    vd->addr, VFIO_CONTAINER_PATH);
		return libdma__vfio_fail(vd, -errno, "open " VFIO_CONTAINER_PATH,
					 errno);
	}
	if (ioctl(vd->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return libdma__fail(-EPROTO, "cannot use %s through VFIO: the "
				    "kernel's VFIO API version is not %d",
				    vd->addr, VFIO_API_VERSION);
	if (ioctl(vd->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0 &&
	    ioctl(vd->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		return libdma__fail(-EOPNOTSUPP, "cannot use %s through VFIO: "
				    "the kernel offers no type1 IOMMU backend: "
				    "load it with 'modprobe vfio_iommu_type1'",
				    vd->addr);
	return 0;
}

int libdma__vfio_open_group(struct vfio_dev *vd)
{
	struct vfio_group_status status;
	char path[64], who[256], blockers[512];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/vfio/%d", vd->group_id);
	vd->group = open(path, O_RDWR | O_CLOEXEC);
	if (vd->group < 0) {
		int e = errno;

		switch (e) {
		case EBUSY:
			libdma__path_users(path, who, sizeof(who));
			return libdma__fail(-EBUSY, "cannot use %s through VFIO: "
					    "its IOMMU group %d (%s) is in use by "
					    "%s - VFIO gives a group to one "
					    "process at a time", vd->addr,
					    vd->group_id, path,
					    *who ? who : "another process");
		case ENOENT:
			return libdma__fail(-ENODEV, "cannot use %s through VFIO: "
					    "%s is missing although sysfs shows "
					    "IOMMU group %d (is devtmpfs mounted "
					    "on /dev?)", vd->addr, path,
					    vd->group_id);
		case EACCES:
		case EPERM:
			if (stat(path, &st))
				memset(&st, 0, sizeof(st));
			return libdma__fail(-EACCES, "cannot use %s through VFIO: "
					    "permission denied opening %s (mode "
					    "%04o, uid %u, gid %u): run as root, "
					    "or give the user the node (udev: "
					    "SUBSYSTEM==\"vfio\", GROUP=...) and a "
					    "memlock limit for the mappings",
					    vd->addr, path,
					    (unsigned int)(st.st_mode & 07777),
					    (unsigned int)st.st_uid,
					    (unsigned int)st.st_gid);
		default:
			return libdma__vfio_fail(vd, -e, "open /dev/vfio/<group>",
						 e);
		}
	}
	memset(&status, 0, sizeof(status));
	status.argsz = sizeof(status);
	if (ioctl(vd->group, VFIO_GROUP_GET_STATUS, &status))
		return libdma__vfio_fail(vd, -errno, "VFIO_GROUP_GET_STATUS",
					 errno);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		libdma__iommu_group_members(vd->group_id, vd->addr, 1, blockers,
					    sizeof(blockers));
		return libdma__fail(-EBUSY, "cannot use %s through VFIO: its "
				    "IOMMU group %d is not viable: it also holds "
				    "%s; VFIO gives a group to userspace only "
				    "when every device in it is bound to "
				    "vfio-pci (or to no driver) - move them "
				    "with 'dmactl bind vfio <address>', or use "
				    "a device with a group of its own", vd->addr,
				    vd->group_id, *blockers ? blockers :
				    "devices bound to other drivers");
	}
	return 0;
}

/* The IOMMU's page sizes and valid IOVA ranges; set up the IOVA space. */
int libdma__vfio_setup_iova(struct vfio_dev *vd)
{
	struct libdma__iova_range *ranges = NULL, whole = { 0, UINT64_MAX };
	struct vfio_iommu_type1_info *info;
	size_t n = 0, argsz = sizeof(*info);
	uint64_t hi;
	int err;

	info = calloc(1, argsz);
	for (;;) {
		if (!info)
			return libdma__fail(-ENOMEM, "out of memory opening %s",
					    vd->node);
		info->argsz = (uint32_t)argsz;
		if (ioctl(vd->container, VFIO_IOMMU_GET_INFO, info)) {
			err = libdma__vfio_fail(vd, -errno, "VFIO_IOMMU_GET_INFO",
						errno);
			free(info);
			return err;
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
		info = calloc(1, argsz);
	}
	vd->page = vd->cpu_page;
	if ((info->flags & VFIO_IOMMU_INFO_PGSIZES) && info->iova_pgsizes) {
		uint64_t smallest = info->iova_pgsizes & -info->iova_pgsizes;

		if (smallest > vd->page)
			vd->page = smallest;
	}
	if ((info->flags & VFIO_IOMMU_INFO_CAPS) && info->cap_offset) {
		uint32_t off = info->cap_offset;

		while (off && off + sizeof(struct vfio_info_cap_header) <= argsz) {
			const struct vfio_info_cap_header *h =
				(const void *)((const char *)info + off);

			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				const struct vfio_iommu_type1_info_cap_iova_range *c =
					(const void *)h;
				uint32_t i;

				free(ranges);
				ranges = calloc(c->nr_iovas ? c->nr_iovas : 1,
						sizeof(*ranges));
				for (i = 0; ranges && i < c->nr_iovas; i++) {
					ranges[i].start = c->iova_ranges[i].start;
					ranges[i].len = c->iova_ranges[i].end -
							c->iova_ranges[i].start + 1;
					if (!ranges[i].len)	/* all 2^64 */
						ranges[i].len = UINT64_MAX;
				}
				n = ranges ? c->nr_iovas : 0;
			}
			if (h->next <= off)
				break;
			off = h->next;
		}
	}
	free(info);
	hi = vd->dma_bits >= 64 ? UINT64_MAX : 1ull << vd->dma_bits;
	/* IOVA 0 stays unused: an address never filled in must not work. */
	err = libdma__iova_init(&vd->iova, ranges ? ranges : &whole,
				ranges ? n : 1, vd->page, hi, vd->page);
	free(ranges);
	if (err == -ENOSPC)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: the "
				    "IOMMU leaves no IO address below the "
				    "device's %u-bit DMA mask", vd->addr,
				    vd->dma_bits);
	if (err)
		return libdma__fail(err, "cannot use %s through VFIO: IOVA "
				    "space: %s", vd->addr, strerror(-err));
	return 0;
}

int libdma__vfio_attach(struct vfio_dev *vd)
{
	int type = VFIO_TYPE1v2_IOMMU;

	if (ioctl(vd->group, VFIO_GROUP_SET_CONTAINER, &vd->container))
		return libdma__vfio_fail(vd, errno == EPERM ? -EBUSY : -errno,
					 "VFIO_GROUP_SET_CONTAINER (is every "
					 "device of the group bound to "
					 "vfio-pci?)", errno);
	if (ioctl(vd->container, VFIO_CHECK_EXTENSION, type) <= 0)
		type = VFIO_TYPE1_IOMMU;
	if (ioctl(vd->container, VFIO_SET_IOMMU, type))
		return libdma__vfio_fail(vd, -errno, "VFIO_SET_IOMMU", errno);
	return 0;
}

static int region_info(struct vfio_dev *vd, uint32_t index,
		       struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(vd->device, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

int libdma__vfio_open_device(struct vfio_dev *vd)
{
	struct vfio_device_info di;
	struct vfio_region_info ri;
	int err;

	vd->device = ioctl(vd->group, VFIO_GROUP_GET_DEVICE_FD, vd->addr);
	if (vd->device < 0)
		return libdma__vfio_fail(vd, errno == EBUSY ? -EBUSY : -errno,
					 "VFIO_GROUP_GET_DEVICE_FD", errno);
	memset(&di, 0, sizeof(di));
	di.argsz = sizeof(di);
	if (ioctl(vd->device, VFIO_DEVICE_GET_INFO, &di))
		return libdma__vfio_fail(vd, -errno, "VFIO_DEVICE_GET_INFO",
					 errno);
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    di.num_irqs <= VFIO_PCI_MSI_IRQ_INDEX)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: "
				    "vfio-pci does not describe it as a PCI "
				    "device with BAR0, config space and MSI",
				    vd->addr);

	err = region_info(vd, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	if (err)
		return libdma__vfio_fail(vd, err, "BAR0 region info", -err);
	if (ri.size < EDU_REG_DMA_CMD + 8 || !(ri.flags & VFIO_REGION_INFO_FLAG_READ) ||
	    !(ri.flags & VFIO_REGION_INFO_FLAG_WRITE))
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: BAR0 "
				    "is %llu bytes (flags 0x%x), not the %s's "
				    "registers", vd->addr,
				    (unsigned long long)ri.size, ri.flags,
				    vd->eng->name);
	vd->bar_offset = ri.offset;
	if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		void *p = mmap(NULL, (size_t)ri.size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, vd->device, (off_t)ri.offset);

		if (p != MAP_FAILED) {
			vd->bar = p;
			vd->bar_len = (size_t)ri.size;
		}
	}
	err = region_info(vd, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (err)
		return libdma__vfio_fail(vd, err, "config space region info",
					 -err);
	vd->config_offset = ri.offset;
	vd->have_config = true;
	/*
	 * Memory decoding for the registers; bus mastering only once a
	 * command an earlier owner left running has ended
	 * (libdma__vfio_check_hw).
	 */
	if (libdma__vfio_pci_command(vd, PCI_COMMAND_MEMORY, 0))
		return libdma__vfio_fail(vd, -EIO, "writing the PCI command "
					 "register", EIO);
	return 0;
}
