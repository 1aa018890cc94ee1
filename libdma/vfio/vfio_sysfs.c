// SPDX-License-Identifier: MIT
/*
 * What sysfs says about a PCI device on the way to VFIO: is it an edu or
 * an edu-sg (and so which engine drives it), which driver has it, is
 * there an IOMMU, which IOMMU group holds it and who else is in that
 * group. Discovery (libdma_list) of devices bound
 * to vfio-pci lives here too, and every message that explains why a
 * "vfio:<address>" cannot be opened - "No such device" alone sends people
 * looking in the wrong place. Apart from the backend proper because it
 * never touches a device: discovery (discover.c) uses it without opening
 * anything. The generic sysfs reading (drivers, groups, who holds a file)
 * is libdma/pci_sysfs.c's, shared with dmactl; this file calls no other
 * file of the backend.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <edu/edu_regs.h>
#include <edu/edusg_regs.h>

#include "pci_sysfs.h"
#include "vfio_internal.h"

#define SYSFS_VFIO_DRIVER	"/sys/bus/pci/drivers/" LIBDMA_VFIO_DRIVER

static unsigned long hex_attr(const char *addr, const char *attr, int *err)
{
	char v[32];

	if (libdma__pci_attr(addr, attr, v, sizeof(v))) {
		*err = 1;
		return 0;
	}
	return strtoul(v, NULL, 16);
}

/*
 * Which engine 'addr' is by its IDs: edu (1234:11e8), edu-sg (1af4:10f5
 * with subsystem 1af4:5347 - the device ID alone lies in a range other
 * experiments may use too, docs/edu-sg.md), 0 for anything else, -1 when
 * sysfs has no such device.
 */
int libdma__vfio_pci_engine(const char *addr, char *ids, size_t len)
{
	unsigned long ven, dev, sven, sdev;
	int err = 0;

	ven = hex_attr(addr, "vendor", &err);
	dev = hex_attr(addr, "device", &err);
	if (err)
		return -1;
	snprintf(ids, len, "%04lx:%04lx", ven, dev);
	if (ven == EDU_PCI_VENDOR && dev == EDU_PCI_DEVICE)
		return LIBDMA_ENGINE_EDU;
	if (ven != EDUSG_PCI_VENDOR || dev != EDUSG_PCI_DEVICE)
		return 0;
	sven = hex_attr(addr, "subsystem_vendor", &err);
	sdev = hex_attr(addr, "subsystem_device", &err);
	if (!err && sven == EDUSG_PCI_SUBVENDOR && sdev == EDUSG_PCI_SUBDEVICE)
		return LIBDMA_ENGINE_EDUSG;
	snprintf(ids, len, "%04lx:%04lx (subsystem %04lx:%04lx)", ven, dev,
		 sven, sdev);
	return 0;
}

static int by_address(const void *a, const void *b)
{
	return strcmp(((const struct libdma_device_desc *)a)->pci_address,
		      ((const struct libdma_device_desc *)b)->pci_address);
}

int libdma__vfio_list(struct libdma_device_desc **descs, size_t *count)
{
	size_t first = *count;
	struct dirent *e;
	DIR *d = opendir(SYSFS_VFIO_DRIVER);

	if (!d)
		return 0;	/* vfio-pci not loaded: nothing bound to it */
	while ((e = readdir(d))) {
		struct libdma_device_desc *grown, *desc;
		char ids[64], numa[32];
		int engine;

		/* The driver's directory: device links, bind, unbind, ... */
		if (!strchr(e->d_name, ':'))
			continue;
		engine = libdma__vfio_pci_engine(e->d_name, ids, sizeof(ids));
		if (engine <= 0)
			continue;
		grown = realloc(*descs, (*count + 1) * sizeof(*grown));
		if (!grown) {
			closedir(d);
			return libdma__fail(-ENOMEM, "out of memory listing devices");
		}
		*descs = grown;
		desc = &grown[(*count)++];
		memset(desc, 0, sizeof(*desc));
		desc->index = LIBDMA_INDEX_NONE;
		snprintf(desc->pci_address, sizeof(desc->pci_address), "%.31s",
			 e->d_name);
		snprintf(desc->node, sizeof(desc->node), "vfio:%.31s", e->d_name);
		desc->irq_mode = LIBDMA_IRQ_UNKNOWN;
		desc->engine = (uint32_t)engine;
		desc->numa_node = libdma__pci_attr(e->d_name, "numa_node", numa,
					    sizeof(numa)) ? -1 : atoi(numa);
	}
	closedir(d);
	if (*count - first > 1)
		qsort(*descs + first, *count - first, sizeof(**descs), by_address);
	return 0;
}

/* Why nothing is bound to vfio-pci here, as the end of a sentence. */
static int fail_no_iommu(const char *addr)
{
	return libdma__fail(-ENODEV, "cannot use %s through VFIO: no IOMMU "
			    "(the device has no IOMMU group and %s is empty): "
			    "VFIO needs one - enable VT-d / AMD-Vi in the "
			    "firmware and boot with intel_iommu=on or "
			    "amd_iommu=on (QEMU: -M q35 -device intel-iommu, "
			    "before the devices)", addr, LIBDMA_SYSFS_IOMMU_GROUPS);
}

int libdma__vfio_sysfs_check(const char *addr, int *group, uint32_t *engine)
{
	char ids[96], driver[64];
	int kind = libdma__vfio_pci_engine(addr, ids, sizeof(ids));

	if (kind < 0)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: no "
				    "PCI device at that address (lspci lists "
				    "them; edu devices: lspci -d 1234:11e8, "
				    "edu-sg: lspci -d 1af4:10f5)", addr);
	if (!kind)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: it "
				    "is a %s device, not an edu (1234:11e8) or "
				    "an edu-sg (1af4:10f5, subsystem 1af4:5347)",
				    addr, ids);
	*engine = (uint32_t)kind;
	*group = libdma__pci_iommu_group(addr);
	libdma__pci_driver(addr, driver, sizeof(driver));
	if (strcmp(driver, LIBDMA_VFIO_DRIVER)) {
		if (*group < 0 && !libdma__iommu_present())
			return fail_no_iommu(addr);
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: it "
				    "is bound to %s%s, not %s; move it with "
				    "'dmactl bind vfio %s' (as root)", addr,
				    *driver ? "driver " : "",
				    *driver ? driver : "no driver",
				    LIBDMA_VFIO_DRIVER, addr);
	}
	if (*group < 0)
		return fail_no_iommu(addr);
	return 0;
}
