/* SPDX-License-Identifier: MIT */
/*
 * libdma - what sysfs and /proc say about PCI devices, IOMMU groups and who
 * holds a file open, and reading a one-line file (libdma/pci_sysfs.c), for
 * the core, libdma/measure/ and libdma/vfio/. Private to libdma and to dmactl,
 * which links the static library: the VFIO backend (libdma/vfio/) uses it
 * to explain why a device cannot be opened, `dmactl bind` and `dmactl
 * info` to move a device and to show its group. Not exported by libdma.so.
 */
#ifndef LIBDMA_PCI_SYSFS_H
#define LIBDMA_PCI_SYSFS_H

#include <stddef.h>

#define LIBDMA_SYSFS_PCI_DEVICES	"/sys/bus/pci/devices"
#define LIBDMA_SYSFS_IOMMU_GROUPS	"/sys/kernel/iommu_groups"

/* First line of a file into buf, newline stripped; 0, or -1 with buf "". */
int libdma__read_line(const char *path, char *buf, size_t len);

/* Attribute 'attr' of PCI device 'addr' ("vendor", "numa_node"...); 0 or -1. */
int libdma__pci_attr(const char *addr, const char *attr, char *buf, size_t len);

/* The driver bound to PCI device 'addr' into 'out' ("" when none). */
void libdma__pci_driver(const char *addr, char *out, size_t len);

/* The IOMMU group of 'addr', or -1 when it has none. */
int libdma__pci_iommu_group(const char *addr);

/* Does this machine have an IOMMU with groups? */
int libdma__iommu_present(void);

/*
 * The devices of IOMMU group 'group' other than 'self', as
 * "0000:01:02.0 (bound to edudma), 0000:01:03.0 (no driver), ..." into
 * 'out' ("" if none). With 'blockers_only', only those that keep VFIO from
 * handing out the group: bound to a driver other than vfio-pci and
 * pci-stub. Returns how many.
 */
int libdma__iommu_group_members(int group, const char *self, int blockers_only,
				char *out, size_t len);

/* Other processes holding 'path' open, as "pid 123 (name), ..." into 'out'. */
void libdma__path_users(const char *path, char *out, size_t len);

#endif /* LIBDMA_PCI_SYSFS_H */
